// SPDX-License-Identifier: Apache-2.0
// The Prometheus series of one downstream (docs/metrics.md, "Downstream
// calls"). Families are registered by name in the owner's Registry (merged
// when several downstreams share a name); each Downstream adds its own
// labels: the caller's (service, endpoint, ...) plus downstream="node:port".
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/labels.h>
#include <prometheus/registry.h>

#include <array>

#include "workloads/client/outcome.hpp"
#include "workloads/policy/breaker.hpp"

namespace faultline::workloads::client {

// Latency buckets in seconds, 100 us .. 30 s, roughly 1-2.5-5 per decade:
// fine enough for a p99 over queueing delays and retry backoffs.
const prometheus::Histogram::BucketBoundaries& latency_buckets();

enum class DenyReason : uint8_t { kDeadline, kThrottle, kBudget };
inline constexpr int kDenyReasonCount = 3;

struct DownstreamMetrics {
  DownstreamMetrics(prometheus::Registry& registry, const prometheus::Labels& labels);

  prometheus::Counter& calls;
  prometheus::Counter& skipped;
  prometheus::Counter& attempts;
  prometheus::Counter& retries;
  prometheus::Counter& hedges;
  prometheus::Counter& timeouts;
  prometheus::Counter& fallbacks;
  prometheus::Histogram& duration;
  prometheus::Gauge& breaker_state;
  std::array<prometheus::Counter*, kCauseCount> errors{};            // calls, by final cause
  std::array<prometheus::Counter*, kCauseCount> attempt_failures{};  // attempts, by cause
  std::array<prometheus::Counter*, kDenyReasonCount> denied{};      // retries and hedges not sent
  std::array<prometheus::Counter*, 3> transitions{};                 // by BreakerState reached

  void on_transition(policy::BreakerState to);
};

}  // namespace faultline::workloads::client
