#include "orchestrator/model/check_metrics.hpp"

#include <algorithm>

namespace faultline::model {

const std::vector<CheckMetric>& check_series() {
  // offered_rps is the load generators' (a service only sees what reaches
  // it: requests_rps); the system's attempts are the load generators' own,
  // a service's the attempts it sends downstream.
  static const std::vector<CheckMetric> kSeries = {
      {"offered_rps", "offered", false, false},   {"goodput_rps", "goodput", true, false},
      {"attempts_rps", "attempts", true, false},  {"errors_rps", "errors", true, false},
      {"requests_rps", "", true, false},          {"p50_s", "p50", true, false},
      {"p99_s", "p99", true, false},              {"queue_depth", "", true, false},
      {"inflight", "", true, false},              {"shed_rps", "shed", true, false},
      {"breaker_open", "", true, false},          {"retries_refused_rps", "", true, false},
      {"calls_rps", "", true, false},             {"cpu_cores", "cpu", true, true},
      {"cpu_throttled_s", "", true, true},        {"memory_bytes", "memory", true, true},
      {"oom_kills", "", true, true}};
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
