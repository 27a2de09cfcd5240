// SPDX-License-Identifier: Apache-2.0
#include "workloads/client/downstream_metrics.hpp"

#include <string>

namespace faultline::workloads::client {

namespace {

prometheus::Labels with(prometheus::Labels base, const std::string& key, std::string_view value) {
  base[key] = std::string(value);
  return base;
}

prometheus::Counter& counter(prometheus::Registry& r, const char* name, const char* help,
                             const prometheus::Labels& labels) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add(labels);
}

const char* deny_name(int i) {
  switch (static_cast<DenyReason>(i)) {
    case DenyReason::kDeadline: return "deadline";
    case DenyReason::kThrottle: return "throttle";
    case DenyReason::kBudget: return "budget";
  }
  return "unknown";
}

}  // namespace

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30};
  return b;
}

DownstreamMetrics::DownstreamMetrics(prometheus::Registry& r, const prometheus::Labels& l)
    : calls(counter(r, "faultline_downstream_calls_total",
                    "Downstream calls made (not counting those skipped by probability)", l)),
      skipped(counter(r, "faultline_downstream_skipped_total",
                      "Downstream calls not made because their probability said no", l)),
      attempts(counter(r, "faultline_downstream_attempts_total",
                       "Requests sent downstream: first attempts, retries and hedges", l)),
      retries(counter(r, "faultline_downstream_retries_total", "Attempts sent after a failed attempt", l)),
      hedges(counter(r, "faultline_downstream_hedges_total",
                     "Attempts sent because earlier ones had not answered within hedge_ns", l)),
      timeouts(counter(r, "faultline_downstream_timeouts_total",
                       "Attempts that reached their deadline (own timeout or the caller's) unanswered", l)),
      fallbacks(counter(r, "faultline_downstream_fallbacks_total", "Failed calls answered by the fallback", l)),
      duration(prometheus::BuildHistogram()
                   .Name("faultline_downstream_duration_seconds")
                   .Help("Client-observed duration of a downstream call, retries and backoff included")
                   .Register(r)
                   .Add(l, latency_buckets())),
      breaker_state(prometheus::BuildGauge()
                        .Name("faultline_breaker_state")
                        .Help("Circuit breaker state of a downstream: 0 closed, 1 open, 2 half-open")
                        .Register(r)
                        .Add(l)) {
  auto& err = prometheus::BuildCounter()
                  .Name("faultline_downstream_errors_total")
                  .Help("Downstream calls that failed, by final cause (also when a fallback answered)")
                  .Register(r);
  auto& att = prometheus::BuildCounter()
                  .Name("faultline_downstream_attempt_failures_total")
                  .Help("Downstream attempts that failed, by cause")
                  .Register(r);
  for (int i = 0; i < kCauseCount; ++i) {
    const auto c = static_cast<Cause>(i);
    if (c == Cause::kOk) continue;
    errors[i] = &err.Add(with(l, "cause", to_string(c)));
    // Only what one attempt can come to gets a series.
    if (c == Cause::kTimeout || c == Cause::kDeadline || c == Cause::kConnect || c == Cause::kHttp5xx ||
        c == Cause::kShed || c == Cause::kHttp4xx)
      attempt_failures[i] = &att.Add(with(l, "cause", to_string(c)));
  }
  auto& den = prometheus::BuildCounter()
                  .Name("faultline_downstream_retries_denied_total")
                  .Help("Retries and hedges not sent, by reason: deadline, throttle, budget")
                  .Register(r);
  for (int i = 0; i < kDenyReasonCount; ++i) denied[i] = &den.Add(with(l, "reason", deny_name(i)));
  auto& tr = prometheus::BuildCounter()
                 .Name("faultline_breaker_transitions_total")
                 .Help("Circuit breaker transitions, by the state reached")
                 .Register(r);
  for (int i = 0; i < 3; ++i)
    transitions[i] = &tr.Add(with(l, "to", policy::to_string(static_cast<policy::BreakerState>(i))));
}

void DownstreamMetrics::on_transition(policy::BreakerState to) {
  breaker_state.Set(static_cast<double>(to));
  transitions[static_cast<int>(to)]->Increment();
}

}  // namespace faultline::workloads::client
