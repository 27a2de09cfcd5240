// SPDX-License-Identifier: Apache-2.0
#include "workloads/service/endpoint.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace faultline::workloads::service {

namespace {

// A failed call without a fallback fails the request, as a gateway does:
// 504 when the call ran out of time (its own timeout or the deadline it
// inherited), 502 for any other failure.
ServeResult failed_call(const client::Outcome& o) {
  if (o.cause == client::Cause::kTimeout || o.cause == client::Cause::kDeadline)
    return {504, ErrorCause::kDeadline};
  return {502, ErrorCause::kDownstream};
}

}  // namespace

bool draws_time(const spec::DurationDist& d) { return d.mean_ns > 0 || d.param_ns > 0; }

EndpointRunner::EndpointRunner(asio::any_io_executor ex, const spec::Endpoint& config, CpuPool* cpu,
                               const policy::Clock& clock, prometheus::Registry& registry, const std::string& service,
                               trace::Recorder* recorder)
    : ex_(ex), cfg_(config), cpu_(cpu), has_work_(draws_time(config.work) && cpu), has_wait_(draws_time(config.wait)) {
  for (const auto& call : cfg_.calls) {
    client::DownstreamOptions opts;
    opts.labels = {{"service", service}, {"endpoint", cfg_.path}};
    opts.recorder = recorder;
    calls_.push_back(std::make_unique<client::Downstream>(ex, call, clock, registry, std::move(opts)));
  }
}

asio::awaitable<ServeResult> EndpointRunner::serve(policy::Rng& rng, std::optional<int64_t> deadline_ns,
                                                   const trace::TraceContext& ctx) {
  const int64_t work_ns = has_work_ ? rng.sample(cfg_.work) : 0;
  const int64_t wait_ns = has_wait_ ? rng.sample(cfg_.wait) : 0;
  const bool fail = cfg_.error_ppm > 0 && rng.bernoulli_ppm(cfg_.error_ppm);

  if (work_ns > 0) co_await cpu_->burn(work_ns);
  if (wait_ns > 0) {
    asio::steady_timer timer(ex_, std::chrono::nanoseconds(wait_ns));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (!calls_.empty()) {
    const ServeResult r =
        cfg_.parallel_calls ? co_await call_in_parallel(rng, deadline_ns, ctx) : co_await call_one_by_one(rng, deadline_ns, ctx);
    if (r.cause) co_return r;
  }
  if (fail) co_return ServeResult{500, ErrorCause::kInjected};
  co_return ServeResult{};
}

asio::awaitable<ServeResult> EndpointRunner::call_one_by_one(policy::Rng& rng, std::optional<int64_t> deadline_ns,
                                                            const trace::TraceContext& ctx) {
  for (size_t i = 0; i < calls_.size(); ++i) {
    policy::Rng call_rng = rng.fork(i);
    const client::Outcome o = co_await calls_[i]->call(deadline_ns, call_rng, {}, &ctx);
    // A failure ends the request at once, as an exception would in a
    // handler: the calls after it are not made.
    if (!o.ok) co_return failed_call(o);
  }
  co_return ServeResult{};
}

asio::awaitable<ServeResult> EndpointRunner::call_in_parallel(policy::Rng& rng, std::optional<int64_t> deadline_ns,
                                                             const trace::TraceContext& ctx) {
  const auto ex = co_await asio::this_coro::executor;
  // One stream per call, reserved up front: the calls hold references.
  std::vector<policy::Rng> rngs;
  rngs.reserve(calls_.size());
  using Op = decltype(asio::co_spawn(ex, std::declval<asio::awaitable<client::Outcome>>(), asio::deferred));
  std::vector<Op> ops;
  ops.reserve(calls_.size());
  for (size_t i = 0; i < calls_.size(); ++i) {
    rngs.push_back(rng.fork(i));
    ops.push_back(asio::co_spawn(ex, calls_[i]->call(deadline_ns, rngs.back(), {}, &ctx), asio::deferred));
  }
  // Every call runs to its end (a fan-out waits for all of its answers).
  auto [order, errors, outcomes] = co_await asio::experimental::make_parallel_group(std::move(ops))
                                       .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  (void)order;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (errors[i]) co_return ServeResult{502, ErrorCause::kDownstream};
    if (!outcomes[i].ok) co_return failed_call(outcomes[i]);
  }
  co_return ServeResult{};
}

void EndpointRunner::shutdown() {
  for (auto& c : calls_) c->shutdown();
}

}  // namespace faultline::workloads::service
