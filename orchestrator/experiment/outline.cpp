// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/outline.hpp"

#include <cmath>
#include <cstdio>

#include "orchestrator/experiment/schedule.hpp"
#include "orchestrator/experiment/timeline.hpp"
#include "orchestrator/model/units.hpp"
#include "orchestrator/model/series_names.hpp"

namespace faultline::experiment {

namespace {

using nlohmann::json;
using model::units::format_duration;

double sec(int64_t ns) { return static_cast<double>(ns) / 1e9; }
std::string dur(double s) { return format_duration(std::llround(s * 1e9)); }

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}
std::string pct(double share) { return num(share * 100) + "%"; }

// One line per item, the kind in a column, as Plan::render.
void line(std::string& out, const char* kind, const std::string& rest) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%-11s", kind);
  out += buf;
  out += rest;
  out += '\n';
}

json retry_fields(uint32_t retries, uint32_t budget_ppm, const spec::RetryThrottle& th) {
  return {{"retries", retries},
          {"budget", budget_ppm ? json(budget_ppm / 1e6) : json(nullptr)},
          {"throttle", th.max_tokens > 0}};
}

json phases(const model::Topology& t) {
  const auto& ex = t.experiment;
  const Schedule s = schedule_of(t);
  json p = json::array();
  auto add = [&](const char* name, int64_t a, int64_t b) { p.push_back({{"name", name}, {"from_s", sec(a)}, {"to_s", sec(b)}}); };
  add("warmup", 0, ex.warmup_ns);
  add("baseline", ex.warmup_ns, ex.warmup_ns + ex.baseline_ns);
  if (s.any_fault) {
    add("faults", s.first_fault_ns, s.last_fault_end_ns);
    add("recovery", s.last_fault_end_ns, s.end_ns);
  } else {
    add("run", ex.warmup_ns + ex.baseline_ns, s.end_ns);
  }
  return p;
}

json calls(const model::Topology& t) {
  json out = json::array();
  for (const auto& n : t.nodes) {
    if (n.load) {
      const auto& l = *n.load;
      json c = {{"caller", series::load_name(n.name)},
                {"callee", l.target_node + ":" + std::to_string(l.target_port)},
                {"rate_rps", l.rate},
                {"arrival", l.arrival == spec::Load::Arrival::kPoisson ? "poisson" : "constant"},
                {"rate_steps", l.schedule.size()},
                {"timeout_s", sec(l.timeout_ns)}};
      c.update(retry_fields(l.retries, l.budget_ppm, l.throttle));
      out.push_back(std::move(c));
    }
    for (const auto& s : n.services)
      for (const auto& ep : s.endpoints)
        for (const auto& c : ep.calls) {
          json j = {{"caller", s.name + ":" + std::to_string(s.port) + (ep.path == "/" ? "" : ep.path)},
                    {"callee", c.to_node + ":" + std::to_string(c.to_port) + (c.path == "/" ? "" : c.path)},
                    {"timeout_s", sec(c.timeout_ns)},
                    {"probability", c.probability_ppm / 1e6},
                    {"hedge_s", c.hedge_ns ? json(sec(c.hedge_ns)) : json(nullptr)},
                    {"breaker", c.breaker.enabled},
                    {"fallback", c.fallback},
                    {"parallel", ep.parallel_calls}};
          j.update(retry_fields(c.retries, c.budget_ppm, c.throttle));
          out.push_back(std::move(j));
        }
  }
  return out;
}

json expectations(const model::Topology& t) {
  const auto& e = t.expect;
  json out = json::array();
  if (e.collapse) out.push_back(*e.collapse ? "collapses" : "does not collapse");
  if (e.recovers_within_ns)
    out.push_back("recovers within " + format_duration(*e.recovers_within_ns) + " of the last fault's end");
  if (e.max_cumulative_amplification) out.push_back("cumulative amplification <= " + num(*e.max_cumulative_amplification));
  if (e.max_hop_amplification) out.push_back("per-hop amplification <= " + num(*e.max_hop_amplification));
  if (e.max_blast_radius_ppm) out.push_back("blast radius <= " + pct(*e.max_blast_radius_ppm / 1e6));
  for (const auto& c : e.checks) {
    const std::string where = c.from_ns || c.to_ns ? "(" + format_duration(c.from_ns.value_or(0)) + ", " +
                                                         (c.to_ns ? format_duration(*c.to_ns) : std::string("end")) + "]"
                                                   : std::string("phase ") + model::to_string(c.phase);
    out.push_back((c.name.empty() ? std::string() : "\"" + c.name + "\": ") + model::to_string(c.aggregate) + " " + c.metric +
                  (c.service.empty() ? "" : " of " + c.service) + " over " + where + " " + model::to_string(c.op) + " " + num(c.threshold));
  }
  return out;
}

std::string retries_text(const json& c) {
  const auto n = c.value("retries", 0u);
  if (n == 0) return "no retries";
  std::string s = std::to_string(n) + (n == 1 ? " retry" : " retries");
  if (c["budget"].is_number()) s += ", budget " + pct(c["budget"].get<double>());
  if (c.value("throttle", false)) s += ", throttle";
  return s;
}

}  // namespace

json outline_json(const model::Topology& topo) {
  const auto& ex = topo.experiment;
  json faults = json::array();
  for (size_t i = 0; i < topo.faults.size(); ++i) {
    const auto& f = topo.faults[i];
    faults.push_back({{"index", i},
                      {"target", describe_target(f.target)},
                      {"what", describe_fault(f)},
                      {"from_s", sec(f.at_ns)},
                      {"to_s", sec(fault_end_ns(f, ex.duration_ns))},
                      {"ramp_s", sec(f.ramp_ns)}});
  }
  return {{"phases", phases(topo)},
          {"tick_s", sec(ex.tick_ns)},
          {"seed", ex.seed},
          {"horizon_s", sec(ex.horizon_ns)},
          {"metrics_port", ex.metrics_port},
          {"faults", std::move(faults)},
          {"calls", calls(topo)},
          {"expect", expectations(topo)}};
}

std::string render_outline(const json& o) {
  std::string out = "# the experiment (`faultline run`; times from the end of `up`, docs/experiments.md)\n";
  auto span = [](const json& x) { return dur(x["from_s"].get<double>()) + " .. " + dur(x["to_s"].get<double>()); };
  for (const auto& p : o["phases"]) {
    const std::string name = p["name"];
    std::string note = name == "warmup"     ? "measured, not judged"
                       : name == "baseline" ? "the fault-free reference"
                       : name == "faults"   ? "the timeline below"
                       : name == "recovery" ? "horizon " + dur(o["horizon_s"].get<double>()) + " after the last fault"
                                            : "no fault";
    char b[16];
    std::snprintf(b, sizeof b, "%-10s", name.c_str());
    line(out, "phase", b + span(p) + "  " + note);
  }
  line(out, "tick", dur(o["tick_s"].get<double>()) + "; seed " + std::to_string(o["seed"].get<uint64_t>()) +
                        "; metrics and live view on 127.0.0.1:" + std::to_string(o["metrics_port"].get<int>()));
  for (const auto& f : o["faults"]) {
    const double a = f["from_s"], b = f["to_s"], ramp = f["ramp_s"];
    std::string r = "#" + std::to_string(f["index"].get<size_t>()) + "  " + (b > a ? span(f) : dur(a) + " (once)") + "  " +
                    f["target"].get<std::string>() + "  " + f["what"].get<std::string>();
    if (ramp > 0) r += "  (ramp " + dur(ramp) + ")";
    line(out, "fault", r);
  }
  for (const auto& c : o["calls"]) {
    std::string r = c["caller"].get<std::string>() + " -> " + c["callee"].get<std::string>() + "  ";
    if (c.contains("rate_rps")) {
      r += num(c["rate_rps"].get<double>()) + "/s " + c["arrival"].get<std::string>() + ", ";
    }
    r += "timeout " + dur(c["timeout_s"].get<double>()) + ", " + retries_text(c);
    if (c.value("rate_steps", 0u) > 0) r += ", " + std::to_string(c["rate_steps"].get<size_t>()) + " rate steps";
    if (c.contains("probability") && c["probability"].get<double>() != 1.0) r += ", p=" + pct(c["probability"].get<double>());
    if (c.contains("hedge_s") && c["hedge_s"].is_number()) r += ", hedge after " + dur(c["hedge_s"].get<double>());
    if (c.value("breaker", false)) r += ", breaker";
    if (c.value("fallback", false)) r += ", fallback";
    if (c.value("parallel", false)) r += ", in parallel";
    line(out, "call", r);
  }
  for (const auto& e : o["expect"]) line(out, "expect", e.get<std::string>());
  if (o["expect"].empty()) line(out, "expect", "none ([expect] is empty: `run` always passes)");
  return out;
}

}  // namespace faultline::experiment
