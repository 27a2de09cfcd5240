// SPDX-License-Identifier: Apache-2.0
// What one endpoint does for a request that holds a worker slot, in this
// order: burn CPU (endpoint.work), wait without CPU (endpoint.wait, like a
// disk or a lock), make the downstream calls (sequentially, or in parallel
// with parallel_calls), then fail with a 500 with probability error_ppm.
// The request's memory and its slot are the caller's (ServiceApp): they
// span the request's whole life, queueing included.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <prometheus/registry.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "workloads/spec/types.hpp"
#include "workloads/trace/recorder.hpp"
#include "workloads/client/downstream.hpp"
#include "workloads/policy/clock.hpp"
#include "workloads/policy/random.hpp"
#include "workloads/service/cpu_pool.hpp"
#include "workloads/service/metrics.hpp"

namespace faultline::workloads::service {

namespace asio = boost::asio;

// How a request ended: 200, or an error status and its cause.
struct ServeResult {
  unsigned status = 200;
  std::optional<ErrorCause> cause;
};

// True when the distribution can draw a duration above zero.
bool draws_time(const spec::DurationDist& d);

class EndpointRunner {
 public:
  // cpu may be null when no endpoint of the service has CPU work. The
  // downstreams register their series in registry with labels service and
  // endpoint; clock and registry must outlive the runner.
  // recorder: where the downstream calls' spans go (null: none).
  EndpointRunner(asio::any_io_executor ex, const spec::Endpoint& config, CpuPool* cpu, const policy::Clock& clock,
                 prometheus::Registry& registry, const std::string& service, trace::Recorder* recorder = nullptr);

  // Serves one request; rng is the request's own stream (draws in a fixed
  // order: work, wait, error, then one forked stream per call), deadline_ns
  // the caller's absolute deadline, passed on to every call; ctx the
  // request's trace context, the parent of its calls' spans.
  asio::awaitable<ServeResult> serve(policy::Rng& rng, std::optional<int64_t> deadline_ns,
                                     const trace::TraceContext& ctx = {});

  // Ends the downstream calls in flight and closes their connections.
  void shutdown();

  const spec::Endpoint& config() const { return cfg_; }

 private:
  asio::awaitable<ServeResult> call_one_by_one(policy::Rng& rng, std::optional<int64_t> deadline_ns,
                                               const trace::TraceContext& ctx);
  asio::awaitable<ServeResult> call_in_parallel(policy::Rng& rng, std::optional<int64_t> deadline_ns,
                                                const trace::TraceContext& ctx);

  asio::any_io_executor ex_;
  spec::Endpoint cfg_;
  CpuPool* cpu_;
  bool has_work_, has_wait_;
  std::vector<std::unique_ptr<client::Downstream>> calls_;
};

}  // namespace faultline::workloads::service
