// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/model/check_metrics.hpp"

#include <algorithm>

#include "orchestrator/model/series_names.hpp"

namespace faultline::model {

const std::vector<CheckMetric>& check_series() {
  // offered_rps is the load generators' (a service only sees what reaches
  // it: requests_rps); the system's attempts are the load generators' own,
  // a service's the attempts it sends downstream.
  static const std::vector<CheckMetric> kSeries = {
      {series::kOfferedRps, "offered", false, false},
      {series::kGoodputRps, "goodput", true, false},
      {series::kAttemptsRps, "attempts", true, false},
      {series::kErrorsRps, "errors", true, false},
      {series::kRequestsRps, "", true, false},
      {series::kP50, "p50", true, false},
      {series::kP99, "p99", true, false},
      {series::kQueueDepth, "", true, false},
      {series::kInflight, "", true, false},
      {series::kShedRps, "shed", true, false},
      {series::kBreakerOpen, "", true, false},
      {series::kRetriesRefusedRps, "", true, false},
      {series::kCallsRps, "", true, false},
      {series::kCpuCores, "cpu", true, true},
      {series::kCpuThrottled, "", true, true},
      {series::kMemoryBytes, "memory", true, true},
      {series::kOomKills, "", true, true}};
  return kSeries;
}

const std::vector<std::string>& check_scalars() {
  static const std::vector<std::string> kScalars = {"cumulative_amplification", "hop_amplification", "blast_radius",
                                                    "recovery_time", "time_to_collapse", "hops_per_s"};
  return kScalars;
}

std::vector<std::string> check_metric_names() {
  std::vector<std::string> out;
  for (const auto& m : check_series()) {
    if (!m.alias.empty()) out.push_back(m.alias);
    out.push_back(m.name);
  }
  for (const auto& s : check_scalars()) out.push_back(s);
  return out;
}

const CheckMetric* find_check_series(const std::string& name) {
  const auto& all = check_series();
  auto it = std::find_if(all.begin(), all.end(), [&](const CheckMetric& m) { return m.name == name || m.alias == name; });
  return it == all.end() ? nullptr : &*it;
}

}  // namespace faultline::model
