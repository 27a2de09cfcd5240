// SPDX-License-Identifier: Apache-2.0
// Slips: settings the loader accepts that are almost certainly not meant. A
// delay or jitter of a second or more (a "5m" meant as "5ms"), an expected
// recovery beyond the horizon the run waits for, expectations nothing can
// measure, a fault on a node where nothing runs.
#include <cmath>

#include "orchestrator/lint/checks.hpp"
#include "orchestrator/lint/format.hpp"
#include "orchestrator/model/check_metrics.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::lint {

namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;

double s_of(int64_t ns) { return static_cast<double>(ns) / 1e9; }

// A delay or jitter of a second or more on `what`.
void check_delay(const model::Topology& topo, const SourceLoc& loc, const std::string& what,
                 const netem::Impairment& imp, std::vector<Finding>& out) {
  for (const auto& [key, ns] : {std::pair<std::string, int64_t>{"delay", imp.delay_ns}, {"jitter", imp.jitter_ns}}) {
    if (ns < kSecond) continue;
    const std::string written = model::units::format_duration(ns);
    std::string fix = key + "s are one-way and usually milliseconds";
    if (ns % kMinute == 0) fix += ": '" + written + "' is " + fmt_s(s_of(ns)) + "; did you mean '" + std::to_string(ns / kMinute) + "ms'?";
    const bool whole_run = 2 * ns >= topo.experiment.duration_ns;
    out.push_back({loc, "slip", whole_run ? Severity::kCritical : Severity::kWarning,
                   what + ": a one-way " + key + " of " + written + " (" + fmt_s(s_of(ns)) +
                       "), 1 s or more: a round trip through it takes at least " + fmt_s(2 * s_of(ns)) +
                       (whole_run ? ", as long as the whole run (" + fmt_s(s_of(topo.experiment.duration_ns)) + ")" : ""),
                   fix, {}, {{key + "_s", s_of(ns)}}});
  }
}

void check_delays(const model::Topology& topo, std::vector<Finding>& out) {
  for (const auto& l : topo.links) {
    using model::Direction;
    const std::string what = "link " + l.id().name();
    const bool same = l.a_to_b == l.b_to_a;
    check_delay(topo, l.loc, what + (same ? "" : " " + l.id().way(Direction::kAtoB)), l.a_to_b, out);
    if (!same) check_delay(topo, l.loc, what + " " + l.id().way(Direction::kBtoA), l.b_to_a, out);
  }
  for (const auto& s : topo.segments) check_delay(topo, s.loc, "segment " + s.name, s.impairment, out);
  for (size_t i = 0; i < topo.faults.size(); ++i)
    if (const auto& f = topo.faults[i]; f.impairment)
      check_delay(topo, f.loc, "fault " + std::to_string(i) + " on " + f.target.name(), *f.impairment, out);
}

void check_horizon(const model::Topology& topo, std::vector<Finding>& out) {
  const auto& e = topo.expect;
  const int64_t horizon = topo.experiment.horizon_ns;
  if (!e.recovers_within_ns || *e.recovers_within_ns <= horizon) return;
  out.push_back({e.loc, "slip", Severity::kCritical,
                 "recovers_within = " + model::units::format_duration(*e.recovers_within_ns) +
                     " is beyond the horizon (" + model::units::format_duration(horizon) +
                     "): the run awaits recovery only that long after the last fault, so a recovery later than it is "
                     "never seen",
                 "recovers_within <= " + model::units::format_duration(horizon) +
                     ", or experiment.horizon >= " + model::units::format_duration(*e.recovers_within_ns),
                 {},
                 {{"recovers_within_s", s_of(*e.recovers_within_ns)}, {"horizon_s", s_of(horizon)}}});
}

// A check measures requests unless its metric is a node's (cgroup) series.
bool measures_requests(const model::Check& c) {
  const auto* series = model::find_check_series(c.metric);
  return !series || !series->node_level;
}

bool needs_fault(const model::Check& c) {
  return c.phase == model::Phase::kFault || c.phase == model::Phase::kRecovery || c.metric == "recovery_time" || c.metric == "time_to_collapse";
}

void check_measurable(const CheckInput& in, std::vector<Finding>& out) {
  const auto& topo = in.topo;
  const auto& e = topo.expect;
  const bool loads = !in.graph.loads().empty(), faults = !topo.faults.empty();
  const bool judged = e.recovers_within_ns || e.collapse || e.max_cumulative_amplification || e.max_hop_amplification ||
                      e.max_blast_radius_ppm;
  if (!loads && judged)
    out.push_back({e.loc, "slip", Severity::kCritical,
                   "[expect] judges recovery, collapse, amplification or blast radius, but no node has a load: "
                   "nothing sends requests, so none of them can be measured",
                   "add a load generator ([node.load]) that calls the services", {}, {}});
  if (!faults && (e.recovers_within_ns || e.collapse))
    out.push_back({e.loc, "slip", Severity::kCritical,
                   std::string("[expect] sets ") + (e.recovers_within_ns ? "recovers_within" : "collapse") +
                       ", but there is no [[fault]]: there is nothing to collapse under or recover from",
                   "add the [[fault]] the expectation is about", {}, {}});
  for (const auto& c : e.checks) {
    if (!measures_requests(c)) continue;
    std::string why;
    if (!loads) {
      why = "no node has a load: nothing sends requests";
    } else if (!faults && needs_fault(c)) {
      why = "there is no [[fault]]: " + (c.metric == "recovery_time" || c.metric == "time_to_collapse"
                                             ? c.metric + " has nothing to time"
                                             : std::string("the ") + model::to_string(c.phase) + " phase is empty");
    } else if (!c.service.empty()) {
      const auto* s = in.pred.find(c.service);
      if (s && !(s->offered_rps > 0)) why = "no load reaches " + c.service + " (no call path from a load generator)";
    }
    if (why.empty()) continue;
    out.push_back({c.loc, "slip", Severity::kCritical, "check '" + c.name + "' (" + c.metric + ") cannot be measured: " + why,
                   "measure what the run does, or add the load or fault it needs", c.service.empty() ? std::vector<std::string>{} : std::vector<std::string>{c.service}, {}});
  }
}

void check_fault_targets(const CheckInput& in, std::vector<Finding>& out) {
  const auto& topo = in.topo;
  for (size_t i = 0; i < topo.faults.size(); ++i) {
    const auto& f = topo.faults[i];
    if (f.target.kind != model::FaultTarget::Kind::kNode) continue;
    const auto* n = topo.find_node(f.target.node);
    if (!n || n->load || !n->command.empty()) continue;
    if (n->services.empty()) {
      out.push_back({f.loc, "slip", Severity::kCritical,
                     "fault " + std::to_string(i) + " on node:" + n->name + ": nothing runs in " + n->name +
                         " (no service, load or command), so the fault changes nothing measured",
                     "target the node that runs the service meant, or give " + n->name + " something to run", {}, {}});
      continue;
    }
    double offered = 0;
    std::vector<std::string> names;
    for (const auto& s : n->services) {
      names.push_back(s.name);
      if (const auto* p = in.pred.find(s.name)) offered += p->offered_rps;
    }
    if (offered > 0 || in.graph.loads().empty()) continue;
    out.push_back({f.loc, "slip", Severity::kWarning,
                   "fault " + std::to_string(i) + " on node:" + n->name + ": no load reaches its services, so the "
                   "fault changes nothing measured",
                   "target a node on the loads' call paths, or call " + n->name + "'s services", names, {}});
  }
}

}  // namespace

void check_slips(const CheckInput& in, std::vector<Finding>& out) {
  check_delays(in.topo, out);
  check_horizon(in.topo, out);
  check_measurable(in, out);
  check_fault_targets(in, out);
}

}  // namespace faultline::lint
