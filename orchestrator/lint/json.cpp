// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/lint/json.hpp"

#include <cmath>

namespace faultline::lint {

namespace {

nlohmann::json num(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return std::round(*v * 1e6) / 1e6;
}

}  // namespace

nlohmann::json findings_json(const std::vector<Finding>& findings) {
  auto out = nlohmann::json::array();
  for (const auto& f : findings) {
    auto figures = nlohmann::json::object();
    for (const auto& [k, v] : f.figures) figures[k] = num(v);
    out.push_back({{"file", f.loc.file},
                   {"line", f.loc.line},
                   {"col", f.loc.col},
                   {"check", f.check},
                   {"severity", to_string(f.severity)},
                   {"message", f.message},
                   {"fix", f.fix},
                   {"services", f.services},
                   {"figures", figures}});
  }
  return out;
}

nlohmann::json predictions_json(const Predictions& p) {
  auto services = nlohmann::json::object();
  for (const auto& s : p.services)
    services[s.name] = {{"offered_rps", num(s.offered_rps)},
                        {"capacity_rps", num(s.capacity_rps)},
                        {"utilisation", num(s.utilisation)},
                        {"hold_s", num(s.hold_s)},
                        {"mean_s", num(s.mean_s)},
                        {"p50_s", num(s.p50_s)},
                        {"p99_s", num(s.p99_s)},
                        {"worst_attempts", num(s.worst_attempts)},
                        {"capped_attempts", num(s.capped_attempts)}};
  auto loads = nlohmann::json::object();
  for (const auto& l : p.loads)
    loads[l.node] = {{"rate_rps", num(l.rate_rps)},
                     {"peak_rps", num(l.peak_rps)},
                     {"vulnerable_above_rps", num(l.vulnerable_above_rps)},
                     {"bottleneck", l.bottleneck.empty() ? nlohmann::json(nullptr) : nlohmann::json(l.bottleneck)}};
  return {{"model", "M/M/c"}, {"services", services}, {"loads", loads}};
}

}  // namespace faultline::lint
