// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/flow_summary.hpp"

#include "orchestrator/analysis/flow_spread.hpp"

namespace faultline::experiment {

namespace {
// The trouble kinds judged, and the series each is read from.
const std::pair<const char*, const char*> kKinds[] = {
    {"retransmits", series::kFlowRetransmits},
    {"drops", series::kFlowDrops},
    {"resets_sent", series::kFlowResetsSent},
    {"resets_received", series::kFlowResetsReceived},
    {"connects_failed", series::kFlowConnectsFailed},
};
}  // namespace

nlohmann::json flow_summary(const SeriesStore& store, const PhaseTicks& ph, std::optional<double> first_fault_s,
                            const std::string& why_not) {
  nlohmann::json j = {{"available", why_not.empty()}, {"why_not", why_not}, {"first_bad_edge", nullptr},
                      {"order", nlohmann::json::array()}};
  if (!why_not.empty()) return j;
  analysis::FlowSpreadInput in;
  in.times = store.times();
  // A tick without a recorded time ends at its index times the tick.
  for (size_t i = in.times.size(); i < store.ticks(); ++i) in.times.push_back(static_cast<double>(i) * ph.tick_s);
  in.baseline_begin = ph.baseline_begin;
  in.baseline_end = ph.baseline_end;
  in.from = first_fault_s ? ph.fault_begin : ph.baseline_end;
  std::map<std::string, analysis::FlowEdgeInput> edges;
  for (const auto& [key, s] : store.all()) {
    if (key.node != series::kFlowNode) continue;
    for (const auto& [kind, metric] : kKinds)
      if (key.metric == metric) {
        auto& e = edges[key.service];
        e.edge = key.service;
        e.trouble[kind] = s;
      }
  }
  for (auto& [name, e] : edges) in.edges.push_back(std::move(e));
  for (const auto& b : analysis::flow_spread(in)) {
    nlohmann::json totals = nlohmann::json::object();
    for (const auto& [k, v] : b.totals) totals[k] = v;
    j["order"].push_back({{"edge", b.edge},
                          {"bad_s", b.bad_s},
                          {"after_fault_s", first_fault_s ? nlohmann::json(b.bad_s - *first_fault_s) : nlohmann::json()},
                          {"what", b.what},
                          {"totals", totals}});
  }
  if (!j["order"].empty()) j["first_bad_edge"] = j["order"][0]["edge"];
  return j;
}

}  // namespace faultline::experiment
