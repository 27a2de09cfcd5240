// SPDX-License-Identifier: Apache-2.0
// One downstream (a spec::Call): how a service endpoint, or the load
// generator, calls another service. It owns the policies that belong to
// the downstream and outlive single calls (connection pool, circuit
// breaker, retry budget, retry throttle) and runs each call through them:
//
//  - probability_ppm: whether the call is made at all (a cache hit skips
//    the database); a skipped call is ok with no attempt.
//  - the caller's deadline: an attempt's deadline is min(now + timeout,
//    caller deadline); the remaining time travels in kDeadlineHeader; no
//    call, retry or hedge starts once the caller's deadline is past.
//  - the breaker sees each call once (try_acquire before the first attempt,
//    its final result after the last): a call it refuses fails at once
//    with cause breaker_open. Each call reports exactly one result, so
//    half-open probes are never lost.
//  - failed attempts (5xx, 503 shed, timeout, connection) are retried up to
//    `retries` times after a Backoff sleep; each retry must pass the caller's
//    deadline (the sleep must end before it), the RetryThrottle and the
//    RetryBudget (checked in that order, so a throttled retry spends no
//    budget). The throttle hears every attempt's result (gRFC A6); the
//    budget gets one deposit per call.
//  - hedging (hedge_ns > 0): while attempts are out and none has answered
//    for hedge_ns, one more is sent (same checks as a retry, no backoff);
//    the first success wins and the others are cancelled. First attempt,
//    retries and hedges together are at most retries + 1.
//  - fallback: a failed call with fallback = true is ok with fallback_used.
//  - cancelling the awaiting coroutine cancels the attempts in flight; the
//    call then ends with cause deadline (its caller gave up).
//  - records (options.recorder): the call is a span (SpanKind::kCall) whose
//    parent is the caller's context, each attempt a span under it, and each
//    attempt carries its own span as the parent in `traceparent`, so the
//    callee's request span hangs under the attempt that reached it.
//
// Thread safety: calls may come from any thread; all the work of a
// Downstream runs on its own strand, so the pool and the policies (which
// are not synchronised) are only touched there.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <prometheus/labels.h>
#include <prometheus/registry.h>
#include <string>
#include <string_view>

#include "workloads/spec/types.hpp"
#include "workloads/client/connection_pool.hpp"
#include "workloads/client/downstream_metrics.hpp"
#include "workloads/client/outcome.hpp"
#include "workloads/policy/breaker.hpp"
#include "workloads/policy/clock.hpp"
#include "workloads/policy/random.hpp"
#include "workloads/policy/retry_budget.hpp"
#include "workloads/policy/retry_throttle.hpp"
#include "workloads/trace/recorder.hpp"

namespace faultline::workloads::client {

struct DownstreamOptions {
  // Most connections open to the downstream at once; more concurrent
  // attempts wait for one (the wait counts against their deadline).
  uint32_t max_connections = 256;
  // Labels of every series (e.g. service, endpoint); downstream="node:port"
  // is added.
  prometheus::Labels labels;
  // Send kDeadlineHeader (the load generator's requests carry it too, so the
  // first tier can drop work its client gave up on).
  bool send_deadline = true;
  // Run on a strand of its own. Only a caller whose executor is already a
  // single thread (the load generator) may turn this off, to save the hop.
  bool own_strand = true;
  // Called as each attempt is sent (the load generator counts its own
  // attempts series with it: at send, as the services' series count, not
  // when the request ends, which lags by up to every timeout and backoff).
  std::function<void()> on_attempt;
  // Where the call and attempt spans go; null: no records (trace context is
  // still passed on).
  trace::Recorder* recorder = nullptr;
};

class Downstream {
 public:
  // clock must be the real monotonic clock in production (timers wait in
  // real time); clock and registry must outlive the Downstream.
  Downstream(asio::any_io_executor ex, const spec::Call& call, const policy::Clock& clock,
             prometheus::Registry& registry, DownstreamOptions options = {});
  ~Downstream();
  Downstream(const Downstream&) = delete;
  Downstream& operator=(const Downstream&) = delete;

  // Makes the call (to call.path, or to `path` when it is not empty: the
  // load generator's mix). caller_deadline_ns is absolute on the clock;
  // nullopt: the caller sets no limit. rng draws the probability and the
  // backoff jitter; it is used only while the caller awaits. path must stay
  // valid while the call runs. parent: the caller's trace context (its
  // request span, or a new trace for the load generator); null: a new
  // sampled trace.
  asio::awaitable<Outcome> call(std::optional<int64_t> caller_deadline_ns, policy::Rng& rng,
                                std::string_view path = {}, const trace::TraceContext* parent = nullptr);

  // Ends every call in flight now (their attempts are cancelled; they finish
  // with cause deadline) and makes later calls fail fast; closes the
  // connections. For shutdown. Safe from any thread.
  void shutdown();

  const std::string& name() const { return name_; }  // "node:port"
  const spec::Call& config() const { return call_; }
  // Read on the strand, or when no call runs (tests).
  const policy::CircuitBreaker& breaker() const { return breaker_; }
  const ConnectionPool& pool() const { return pool_; }

 private:
  struct CallState;
  asio::awaitable<Outcome> run(std::optional<int64_t> caller_deadline_ns, policy::Rng& rng, std::string_view path,
                               trace::TraceContext parent);
  void launch(const std::shared_ptr<CallState>& st, std::string_view path, std::optional<int64_t> caller_deadline_ns,
              bool hedge);
  void do_shutdown();

  // The strand, type-erased once: every conversion of a strand to an
  // any_io_executor allocates, so coroutines and timers share this one.
  asio::any_io_executor strand_;
  spec::Call call_;
  const policy::Clock& clock_;
  std::string name_;
  DownstreamOptions options_;
  uint16_t trace_name_ = 0;  // name_'s index in the recorder
  DownstreamMetrics metrics_;
  ConnectionPool pool_;
  policy::CircuitBreaker breaker_;
  policy::RetryBudget budget_;
  policy::RetryThrottle throttle_;
  bool shut_down_ = false;
  // Calls in flight, for shutdown(): a list threaded through the CallStates
  // (no allocation per call).
  CallState* active_ = nullptr;
};

}  // namespace faultline::workloads::client
