#include "orchestrator/experiment/outline.hpp"

#include <cstdio>

#include "orchestrator/experiment/schedule.hpp"
#include "orchestrator/experiment/timeline.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::experiment {

namespace {

using model::units::format_duration;

std::string ppm_pct(uint32_t ppm) {
  char b[24];
  std::snprintf(b, sizeof b, "%g%%", static_cast<double>(ppm) / 1e4);
  return b;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

// One line per item, the kind in a column, as Plan::render.
void line(std::string& out, const char* kind, const std::string& rest) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%-11s", kind);
  out += buf;
  out += rest;
  out += '\n';
}

std::string span(int64_t a, int64_t b) { return format_duration(a) + " .. " + format_duration(b); }

std::string retries(uint32_t n, uint32_t budget_ppm, const spec::RetryThrottle& th) {
  if (n == 0) return "no retries";
  std::string s = std::to_string(n) + (n == 1 ? " retry" : " retries");
  if (budget_ppm) s += ", budget " + ppm_pct(budget_ppm);
  if (th.max_tokens > 0) s += ", throttle";
  return s;
}

void phases(std::string& out, const model::Topology& t) {
  const auto& ex = t.experiment;
  const Schedule s = schedule_of(t);
  out += "# the experiment (`faultline run`; times from the end of `up`, docs/experiments.md)\n";
  line(out, "phase", "warmup    " + span(0, ex.warmup_ns) + "  measured, not judged");
  line(out, "phase", "baseline  " + span(ex.warmup_ns, ex.warmup_ns + ex.baseline_ns) + "  the fault-free reference");
  if (s.any_fault) {
    line(out, "phase", "faults    " + span(s.first_fault_ns, s.last_fault_end_ns) + "  the timeline below");
    line(out, "phase", "recovery  " + span(s.last_fault_end_ns, s.end_ns) + "  horizon " +
                           format_duration(ex.horizon_ns) + " after the last fault");
  } else {
    line(out, "phase", "run       " + span(ex.warmup_ns + ex.baseline_ns, s.end_ns) + "  no fault");
  }
  line(out, "tick", format_duration(ex.tick_ns) + "; seed " + std::to_string(ex.seed) + "; metrics and live view on 127.0.0.1:" +
                        std::to_string(ex.metrics_port));
}

void faults(std::string& out, const model::Topology& t) {
  const auto& ex = t.experiment;
  for (size_t i = 0; i < t.faults.size(); ++i) {
    const auto& f = t.faults[i];
    const int64_t end = fault_end_ns(f, ex.duration_ns);
    std::string when = end > f.at_ns ? span(f.at_ns, end) : format_duration(f.at_ns) + " (once)";
    std::string r = "#" + std::to_string(i) + "  " + when + "  " + describe_target(f.target) + "  " + describe_fault(f);
    if (f.ramp_ns > 0) r += "  (ramp " + format_duration(f.ramp_ns) + ")";
    line(out, "fault", r);
  }
}

void calls(std::string& out, const model::Topology& t) {
  for (const auto& n : t.nodes) {
    if (n.load) {
      const auto& l = *n.load;
      std::string r = "load:" + n.name + " -> " + l.target_node + ":" + std::to_string(l.target_port) + "  " +
                      num(l.rate) + "/s " + (l.arrival == spec::Load::Arrival::kPoisson ? "poisson" : "constant") +
                      ", timeout " + format_duration(l.timeout_ns) + ", " +
                      retries(l.retries, l.budget_ppm, l.throttle);
      if (!l.schedule.empty()) r += ", " + std::to_string(l.schedule.size()) + " rate steps";
      line(out, "call", r);
    }
    for (const auto& s : n.services)
      for (const auto& ep : s.endpoints)
        for (const auto& c : ep.calls) {
          std::string r = s.name + ":" + std::to_string(s.port) + (ep.path == "/" ? "" : ep.path) + " -> " + c.to_node +
                          ":" + std::to_string(c.to_port) + (c.path == "/" ? "" : c.path) + "  timeout " +
                          format_duration(c.timeout_ns) + ", " + retries(c.retries, c.budget_ppm, c.throttle);
          if (c.probability_ppm != 1'000'000) r += ", p=" + ppm_pct(c.probability_ppm);
          if (c.hedge_ns) r += ", hedge after " + format_duration(c.hedge_ns);
          if (c.breaker.enabled) r += ", breaker";
          if (c.fallback) r += ", fallback";
          if (ep.parallel_calls) r += ", in parallel";
          line(out, "call", r);
        }
  }
}

void expectations(std::string& out, const model::Topology& t) {
  const auto& e = t.expect;
  bool any = false;
  auto add = [&](const std::string& r) {
    line(out, "expect", r);
    any = true;
  };
  if (e.collapse) add(*e.collapse ? "collapses" : "does not collapse");
  if (e.recovers_within_ns) add("recovers within " + format_duration(*e.recovers_within_ns) + " of the last fault's end");
  if (e.max_cumulative_amplification) add("cumulative amplification <= " + num(*e.max_cumulative_amplification));
  if (e.max_hop_amplification) add("per-hop amplification <= " + num(*e.max_hop_amplification));
  if (e.max_blast_radius_ppm) add("blast radius <= " + ppm_pct(*e.max_blast_radius_ppm));
  for (const auto& c : e.checks) {
    std::string where = c.from_ns || c.to_ns ? "(" + format_duration(c.from_ns.value_or(0)) + ", " +
                                                   (c.to_ns ? format_duration(*c.to_ns) : std::string("end")) + "]"
                                             : "phase " + c.phase;
    add((c.name.empty() ? std::string() : "\"" + c.name + "\": ") + c.aggregate + " " + c.metric +
        (c.service.empty() ? "" : " of " + c.service) + " over " + where + " " + c.op + " " + num(c.threshold));
  }
  if (!any) line(out, "expect", "none ([expect] is empty: `run` always passes)");
}

}  // namespace

std::string render_outline(const model::Topology& topo) {
  std::string out;
  phases(out, topo);
  faults(out, topo);
  calls(out, topo);
  expectations(out, topo);
  return out;
}

}  // namespace faultline::experiment
