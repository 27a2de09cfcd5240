// SPDX-License-Identifier: Apache-2.0
// One HTTP/1.1 GET over a pooled keep-alive connection: acquire, write, read
// the answer, give the connection back (kept only if the exchange completed
// and the answer allows keep-alive). Cancellable through the awaiting
// coroutine's cancellation slot; a cancelled exchange closes its connection
// (its state on the wire is unknown).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "workloads/client/connection_pool.hpp"
#include "workloads/policy/clock.hpp"

namespace faultline::workloads::client {

struct ExchangeRequest {
  std::string_view target;   // path and query
  std::string_view host;     // Host header, "node:port"
  int64_t deadline_ns = 0;   // absolute (Clock); its remaining time is sent in kDeadlineHeader
  bool send_deadline = true;
  std::string_view traceparent;  // sent as `traceparent` when not empty
};

struct ExchangeResult {
  enum class Kind : uint8_t {
    kAnswered,       // status holds the answer's status
    kConnectFailed,  // no connection could be had (resolve, connect)
    kBroken,         // the connection failed while writing or reading
    kCancelled,      // the awaiting coroutine was cancelled
  };
  Kind kind = Kind::kBroken;
  unsigned status = 0;
  int err = 0;  // errno of the failure, when there was one
};

asio::awaitable<ExchangeResult> exchange(ConnectionPool& pool, const policy::Clock& clock, ExchangeRequest req);

}  // namespace faultline::workloads::client
