// SPDX-License-Identifier: Apache-2.0
// The Prometheus series of a load generator (docs/metrics.md, "Load
// generator"), all labelled downstream="node:port" (the target).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <string>

#include "workloads/client/outcome.hpp"

namespace faultline::workloads::loadgen {

struct LoadMetrics {
  LoadMetrics(prometheus::Registry& registry, const std::string& target);

  prometheus::Counter& offered;
  prometheus::Counter& attempts;
  prometheus::Counter& goodput;
  prometheus::Histogram& latency_ok;
  prometheus::Histogram& latency_error;
  prometheus::Histogram& send_lag;
  prometheus::Gauge& inflight;
  prometheus::Gauge& rate;
  std::array<prometheus::Counter*, client::kCauseCount> errors{};
};

}  // namespace faultline::workloads::loadgen
