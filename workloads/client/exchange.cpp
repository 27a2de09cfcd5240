// SPDX-License-Identifier: Apache-2.0
#include "workloads/client/exchange.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>

#include "workloads/policy/deadline.hpp"
#include "workloads/trace/trace_context.hpp"

namespace faultline::workloads::client {

namespace {

namespace http = boost::beast::http;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// Answers are synthetic (response_bytes); this only guards against a
// runaway peer.
constexpr uint64_t kMaxBodyBytes = uint64_t{256} << 20;

asio::awaitable<bool> cancelled() {
  auto cs = co_await asio::this_coro::cancellation_state;
  co_return cs.cancelled() != asio::cancellation_type::none;
}

// A reused connection that fails before any byte of the answer was most
// likely closed by the server while idle (keep-alive timeout): the request
// never reached it, so it is sent again once on a fresh connection.
bool stale_keepalive(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == http::error::partial_message;
}

}  // namespace

asio::awaitable<ExchangeResult> exchange(ConnectionPool& pool, const policy::Clock& clock, ExchangeRequest req) {
  for (int round = 0; round < 2; ++round) {
    auto lease = co_await pool.acquire();
    if (co_await cancelled()) co_return ExchangeResult{ExchangeResult::Kind::kCancelled, 0, ECANCELED};
    if (!lease.ok()) co_return ExchangeResult{ExchangeResult::Kind::kConnectFailed, 0, lease.error().err};
    Connection& c = lease->connection();

    http::request<http::empty_body> msg{http::verb::get, req.target, 11};
    msg.set(http::field::host, req.host);
    if (req.send_deadline) {
      // The time left when the request leaves, so the wait for a connection
      // is already taken off.
      const int64_t left = policy::remaining_ns(clock.now_ns(), req.deadline_ns);
      msg.set(policy::kDeadlineHeader, policy::encode_timeout_header(left));
    }
    if (!req.traceparent.empty()) msg.set(trace::kTraceparentHeader, req.traceparent);
    msg.keep_alive(true);

    auto [wec, wn] = co_await http::async_write(c.socket, msg, kNoThrow);
    (void)wn;
    if (!wec) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxBodyBytes);
      auto [rec, rn] = co_await http::async_read(c.socket, c.buffer, parser, kNoThrow);
      if (!rec) {
        const auto& res = parser.get();
        if (res.keep_alive()) lease->keep();
        co_return ExchangeResult{ExchangeResult::Kind::kAnswered, res.result_int(), 0};
      }
      wec = rec;
      if (co_await cancelled()) co_return ExchangeResult{ExchangeResult::Kind::kCancelled, 0, ECANCELED};
      if (round == 0 && lease->reused() && rn == 0 && stale_keepalive(rec)) continue;
    } else {
      if (co_await cancelled()) co_return ExchangeResult{ExchangeResult::Kind::kCancelled, 0, ECANCELED};
      if (round == 0 && lease->reused() && stale_keepalive(wec)) continue;
    }
    // Dropping the lease without keep() closes the connection.
    co_return ExchangeResult{ExchangeResult::Kind::kBroken, 0,
                             wec.category() == boost::system::system_category() ? wec.value() : EPROTO};
  }
  co_return ExchangeResult{ExchangeResult::Kind::kBroken, 0, ECONNRESET};
}

}  // namespace faultline::workloads::client
