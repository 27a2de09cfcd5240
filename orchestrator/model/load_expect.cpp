// SPDX-License-Identifier: Apache-2.0
// [expect]: the hypotheses a run is judged by.
#include <algorithm>

#include "orchestrator/model/check_metrics.hpp"
#include "orchestrator/model/loader_internal.hpp"
#include "orchestrator/model/suggest.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::model::detail {
namespace {

const std::vector<std::string> kExpectKeys = {
    "recovers_within", "collapse",        "max_cumulative_amplification", "max_hop_amplification", "max_blast_radius",
    "check",           "failed_below",    "slo",                          "slo_factor",            "collapse_below",
    "recovered_above", "recovered_p99",   "recovery_window",              "load_back_within",      "health_window",
    "onset_resolution",
    // Gone, each refused with what replaced it.
    "max_amplification", "degraded_below"};
const std::vector<std::string> kCheckKeys = {"name",  "metric", "service", "aggregate", "phase",
                                             "from", "to",     "op",      "threshold"};

std::vector<std::string> service_names(const LoadState& s) {
  std::vector<std::string> out;
  for (const auto& [name, loc] : s.service_names) out.push_back(name);
  return out;
}

void read_non_empty(Table& t, const std::string& key, std::string& out) {
  auto v = t.string(key);
  if (!v) return;
  if (v->empty()) return t.fail(key, "is empty");
  out = *v;
}

void read_check_service(Table& t, LoadState& s, Check& c) {
  auto v = t.string("service");
  if (!v) return;
  // With a service name or port unread, "no such service" would be a guess.
  if (!s.service_names.contains(*v) && s.services_ok)
    return t.fail("service", "no service named '" + *v + "'; " + suggest(*v, service_names(s), "known services"));
  c.service = *v;
}

Check read_check(Diagnostics& d, const toml::table& raw, LoadState& s, std::map<std::string, SourceLoc>& names) {
  Table t(d, raw, "[[expect.check]]", kCheckKeys);
  Check c;
  c.loc = t.loc();
  if (t.require("name", "what the check is called in the report")) read_non_empty(t, "name", c.name);
  if (!c.name.empty()) {
    auto [it, inserted] = names.emplace(c.name, t.loc("name"));
    if (!inserted) t.fail("name", "'" + c.name + "' is already the name of the check at " + it->second.str());
  }
  if (t.require("metric", "what is measured, e.g. \"goodput\" or \"p99\"")) read_non_empty(t, "metric", c.metric);
  const auto metrics = check_metric_names();
  if (c.metric == "amplification") {
    t.fail("metric", "amplification names no amplification; allowed: cumulative_amplification (attempts per organic "
                     "request) or hop_amplification (attempts per call)");
    c.metric.clear();
  } else if (!c.metric.empty() && std::find(metrics.begin(), metrics.end(), c.metric) == metrics.end()) {
    t.fail("metric", "no metric '" + c.metric + "'; " + suggest(c.metric, metrics, "metrics"));
    c.metric.clear();
  }
  read_check_service(t, s, c);
  if (const auto* m = find_check_series(c.metric); m && !m->per_service && !c.service.empty())
    t.fail("service", c.metric + " is the load generators' (what the clients offer): leave service out to check "
                      "the whole system; a service's own arrivals are requests_rps");
  // The analysis' scalars are one number per run: nothing to aggregate over a phase or window.
  if (!c.metric.empty() && !find_check_series(c.metric))
    for (const char* k : {"aggregate", "phase", "from", "to"})
      if (t.has(k)) {
        t.fail(k, c.metric + " is one number for the whole run; " + k + " applies to series only");
        break;  // one error says it
      }
  if (auto v = t.choice("aggregate", names_in(kAggregates))) c.aggregate = *parse_in(kAggregates, *v);
  if (auto v = t.choice("phase", names_in(kPhases))) c.phase = *parse_in(kPhases, *v);
  // A window of the run instead of a phase (times since the experiment started).
  if (auto v = t.duration("from")) c.from_ns = *v;
  if (auto v = t.duration("to")) c.to_ns = *v;
  if (t.has("phase") && (t.has("from") || t.has("to")))
    t.fail(t.has("from") ? "from" : "to", "a check takes a phase or a window (from, to), not both");
  else if (t.has("from") != t.has("to"))
    t.fail(t.has("from") ? "from" : "to", std::string("a window needs both from and to, e.g. from = \"20s\", to = \"30s\""));
  else if (c.from_ns && c.to_ns && *c.to_ns <= *c.from_ns)
    t.fail("to", "the window ends at " + units::format_duration(*c.to_ns) + ", not after it starts (from = " +
                     units::format_duration(*c.from_ns) + ")");
  if (auto v = t.choice("op", names_in(kCompareOps))) c.op = *parse_in(kCompareOps, *v);
  if (t.require("threshold", "the number the metric is compared with")) {
    if (auto v = t.number("threshold")) c.threshold = *v;
  }
  return c;
}

void read_expect_fields(Table& t, Expect& e, int64_t horizon_ns) {
  if (auto v = t.duration("recovers_within")) {
    if (*v == 0)
      t.fail("recovers_within", "must be more than 0");
    else
      e.recovers_within_ns = *v;
  }
  if (auto v = t.boolean("collapse")) e.collapse = *v;
  if (t.has("max_amplification"))
    t.fail("max_amplification",
           "names no amplification; allowed: max_cumulative_amplification (attempts on a call per organic request "
           "the load generators offered) or max_hop_amplification (attempts per call: what one hop's retries add)");
  // Amplification is attempts per request: 1 means no retries at all.
  for (const char* key : {"max_cumulative_amplification", "max_hop_amplification"})
    if (auto v = t.number(key)) {
      if (*v < 1.0)
        t.fail(key, format_number(*v) + " is below 1; allowed: 1 or more (attempts per request)");
      else
        (std::string_view(key) == "max_hop_amplification" ? e.max_hop_amplification : e.max_cumulative_amplification) =
            *v;
    }
  if (auto v = t.percent("max_blast_radius")) e.max_blast_radius_ppm = *v;
  Judgement& j = e.judge;
  if (t.has("degraded_below"))
    t.fail("degraded_below",
           "is gone: a service is degraded when more of its requests fail or miss their SLO than its baseline "
           "explains (docs/experiments.md); allowed: slo or slo_factor to set the SLO, health_window for the windows");
  if (auto v = t.percent("failed_below")) j.failed_good_ppm = *v;
  if (auto v = t.duration("health_window")) {
    if (*v < 10'000'000 || *v > 1'000'000'000)
      t.fail("health_window", units::format_duration(*v) + " is out of range; allowed: 10ms to 1s");
    else
      j.health_window_ns = *v;
  }
  if (auto v = t.duration("onset_resolution")) {
    if (*v < 1'000'000 || *v > 1'000'000'000)
      t.fail("onset_resolution", units::format_duration(*v) + " is out of range; allowed: 1ms to 1s");
    else
      j.onset_resolution_ns = *v;
  }
  if (auto v = t.duration("slo")) {
    if (*v == 0) t.fail("slo", "must be more than 0");
    else j.slo_p99_ns = *v;
  }
  if (auto v = t.number("slo_factor")) {
    if (*v <= 1.0) t.fail("slo_factor", format_number(*v) + " is not above 1; allowed: more than 1 (times the baseline p99)");
    else j.slo_factor = *v;
  }
  if (auto v = t.percent("collapse_below")) j.collapse_goodput_ppm = *v;
  if (auto v = t.percent("recovered_above")) j.recovered_goodput_ppm = *v;
  if (auto v = t.number("recovered_p99")) {
    if (*v < 1.0) t.fail("recovered_p99", format_number(*v) + " is below 1; allowed: 1 or more (times the baseline p99)");
    else j.recovered_p99 = *v;
  }
  if (auto v = t.percent("load_back_within")) j.load_back_ppm = *v;
  if (auto v = t.duration("recovery_window")) {
    if (*v == 0) t.fail("recovery_window", "must be more than 0");
    else j.recovery_window_ns = *v;
  }
  // Recovery is a whole window within the horizon: a longer window could
  // never be found, and every run would read as not recovered. (The default
  // window shrinks to a shorter horizon.)
  if (t.has("recovery_window") && t.ok("recovery_window") && j.recovery_window_ns > horizon_ns) {
    t.fail("recovery_window",
           "the recovery window (" + units::format_duration(j.recovery_window_ns) +
               ") is longer than the experiment's horizon (" + units::format_duration(horizon_ns) +
               "), within which recovery is judged; allowed: at most the horizon");
  }
}

}  // namespace

void read_expect(Table& top, LoadState& s) {
  Expect& e = s.topo.expect;
  e.loc = top.loc();
  const toml::table* raw = top.table("expect");
  if (!raw) return;
  Table t(s.d, *raw, "[expect]", kExpectKeys);
  e.loc = t.loc();
  read_expect_fields(t, e, s.topo.experiment.horizon_ns);
  std::map<std::string, SourceLoc> names;
  for (const auto* c : t.tables("check")) e.checks.push_back(read_check(s.d, *c, s, names));
}

}  // namespace faultline::model::detail
