// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/results.hpp"

#include <bpf/libbpf.h>
#include <netlink/version.h>
#include <sys/utsname.h>

#include <boost/version.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "orchestrator/experiment/collector.hpp"
#include "orchestrator/experiment/request_input.hpp"
#include "orchestrator/lint/json.hpp"
#include "orchestrator/lint/predict.hpp"
#include "workloads/spec/config.hpp"

namespace faultline::experiment {

namespace {

nlohmann::json num(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return std::round(*v * 1e6) / 1e6;
}
nlohmann::json num(double v) { return num(std::optional<double>(v)); }

double seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

std::string fmt(double v) { return format_g(v, 3); }

}  // namespace

analysis::Input analysis_input(const model::Topology& topo, const SeriesStore& store, const PhaseTicks& ph,
                               const Schedule& sched, const RequestData& req) {
  const auto& ex = topo.experiment;
  analysis::Input in;
  in.tick_s = ph.tick_s;
  in.baseline_begin = ph.baseline_begin;
  in.baseline_end = ph.baseline_end;
  in.baseline_begin_s = seconds(ex.warmup_ns);
  in.baseline_end_s = seconds(ex.warmup_ns + ex.baseline_ns);
  in.end_s = req.end_s;
  in.horizon_end_s = req.end_s;
  if (sched.any_fault) {
    in.first_fault = ph.fault_begin;
    in.last_fault_end = ph.fault_end;
    in.horizon_end = ph.horizon_end;
    in.first_fault_s = seconds(sched.first_fault_ns);
    in.last_fault_end_s = seconds(sched.last_fault_end_ns);
    in.horizon_end_s = std::min(req.end_s, seconds(sched.last_fault_end_ns + ex.horizon_ns));
  }
  in.offered = store.get(SeriesKey::system(series::kOfferedRps));
  in.goodput = store.get(SeriesKey::system(series::kGoodputRps));
  in.p99_s = store.get(SeriesKey::system(series::kP99));
  for (const auto& n : topo.nodes)
    for (const auto& s : n.services) {
      analysis::ServiceInput si;
      si.name = s.name;
      if (s.slo_p99_ns) si.slo_p99_s = seconds(*s.slo_p99_ns);
      in.services.push_back(std::move(si));
    }
  for (const auto& e : call_edges(topo)) {
    analysis::EdgeInput ei;
    ei.caller = e.caller;
    ei.callee = e.callee;
    ei.attempts = store.get(SeriesKey::of(e.caller_node, e.series(), series::kAttemptsRps));
    // A load generator's calls are the organic requests it offers.
    ei.calls = series::is_load(e.caller) ? store.get(SeriesKey::of(e.caller_node, e.caller, series::kOfferedRps))
                                         : store.get(SeriesKey::of(e.caller_node, e.series(), series::kCallsRps));
    in.edges.push_back(std::move(ei));
  }
  if (req.records) add_requests(topo, *req.records, req.t0_ns, in);
  return in;
}

std::string headline(const analysis::Findings& a, bool any_fault, double horizon_s) {
  if (!any_fault) return "no fault injected: baseline only";
  std::string h;
  if (a.collapsed) h = "collapsed " + fmt(*a.time_to_collapse_s) + " s after the first fault";
  else h = "did not collapse";
  if (!a.propagation.empty())
    h += "; " + std::to_string(a.propagation.size()) + " service" + (a.propagation.size() == 1 ? "" : "s") +
         " degraded (blast radius " + fmt(a.blast_radius * 100) + "%), first " + a.propagation.front().service;
  if (a.recovered) h += "; recovered " + fmt(*a.recovery_s) + " s after the last fault";
  else h += "; not recovered within " + fmt(horizon_s) + " s" + (a.metastable ? " (metastable)" : "");
  return h;
}

nlohmann::json make_summary(const SummaryInputs& in) {
  using nlohmann::json;
  const auto& topo = *in.topo;
  const auto& a = *in.analysis;
  json s;
  // What built this faultline: with the kernel (host) and the probed
  // features, what a reader needs to reproduce or compare a run.
  s["faultline"] = {{"version", FAULTLINE_VERSION_STRING},
                    {"compiler", __VERSION__},
                    {"libraries",
                     {{"boost", BOOST_LIB_VERSION},
                      {"libbpf", libbpf_version_string()},
                      {"libnl", LIBNL_VERSION},
                      {"tomlplusplus", std::to_string(TOML_LIB_MAJOR) + "." + std::to_string(TOML_LIB_MINOR) + "." +
                                           std::to_string(TOML_LIB_PATCH)},
                      {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                                            std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                                            std::to_string(NLOHMANN_JSON_VERSION_PATCH)}}}};
  s["experiment"] = {{"name", topo.experiment.name}, {"file", in.file},       {"seed", topo.experiment.seed},
                     {"variant", in.variant},        {"repeat", in.repeat},   {"overrides", in.overrides},
                     {"run", in.run},                {"interrupted", in.interrupted}};
  if (!topo.document_json.empty()) {
    auto doc = json::parse(topo.document_json, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_discarded()) s["config"] = std::move(doc);
  }
  s["host"] = in.host;
  s["phases"] = in.phases;
  s["figures"] = in.figures;
  if (in.thresholds) {
    const auto& th = *in.thresholds;
    const auto& hr = th.health;
    s["thresholds"] = {{"slo_factor", th.slo_factor},
                       {"collapse_goodput", th.collapse_goodput},
                       {"recovered_goodput", th.recovered_goodput},
                       {"recovered_p99", th.recovered_p99},
                       {"recovery_window_ticks", th.recovery_window_ticks},
                       {"load_back_within", th.offered_back},
                       {"onset_resolution_s", th.onset_resolution_s},
                       {"health",
                        {{"window_s", hr.window_s},
                         {"lookback_s", hr.lookback_s},
                         {"alpha", hr.alpha},
                         {"bad_floor", hr.bad_floor},
                         {"bad_factor", hr.bad_factor},
                         {"bad_cap", hr.bad_cap},
                         {"failed_good", hr.failed_good}}}};
  }
  json nodes = json::array(), services = json::array(), edges = json::array(), links = json::array();
  for (const auto& n : topo.nodes) {
    json names = json::array();
    for (const auto& sv : n.services) {
      names.push_back(sv.name);
      services.push_back({{"name", sv.name}, {"node", n.name}, {"port", sv.port}});
    }
    nodes.push_back({{"name", n.name}, {"services", names}, {"load", n.load.has_value()}});
  }
  for (const auto& e : call_edges(topo)) edges.push_back({{"caller", e.caller}, {"callee", e.callee}});
  for (const auto& l : topo.links) links.push_back({{"a", l.a}, {"b", l.b}});
  json segments = json::array();
  for (const auto& sg : topo.segments) segments.push_back({{"name", sg.name}, {"members", sg.members}});
  s["topology"] = {{"nodes", nodes}, {"services", services}, {"edges", edges}, {"links", links}, {"segments", segments}};
  json faults = json::array();
  for (const auto& f : in.faults)
    faults.push_back({{"index", f.index},
                      {"target", f.target},
                      {"what", f.what},
                      {"at_s", f.at_s},
                      {"for_s", f.for_s},
                      {"applied_s", num(f.applied_s)},
                      {"reverted_s", num(f.reverted_s)}});
  for (size_t i = 0; i < in.faults.size(); ++i)
    if (const auto& l = in.faults[i].link) faults[i]["link"] = *l;
  s["faults"] = faults;
  s["verdict"] = {{"collapsed", a.collapsed},
                  {"time_to_collapse_s", num(a.time_to_collapse_s)},
                  {"recovered", in.any_fault ? json(a.recovered) : json(nullptr)},
                  {"recovery_s", num(a.recovery_s)},
                  {"metastable", a.metastable},
                  {"blast_radius", num(a.blast_radius)},
                  {"hops_per_s", num(a.hops_per_s)},
                  {"max_cumulative_amplification", num(a.max_cumulative_amplification)},
                  {"max_hop_amplification", num(a.max_hop_amplification)},
                  {"headline", headline(a, in.any_fault, in.horizon_s)}};
  json base = json::object();
  for (const auto& [name, f] : a.services)
    base[name] = {{"slo_s", num(f.slo_s)},
                  {"slo_explicit", f.slo_explicit},
                  {"tries_p99_s", num(f.baseline_p99_s)},
                  {"bad_share", num(f.health.baseline_bad)},
                  {"bad_share_allowed", num(f.health.p_ok)},
                  {"tries", f.health.baseline_judged}};
  base["system"] = {
      {series::kGoodputRps, num(a.system.goodput)}, {series::kP99, num(a.system.p99_s)}, {"valid", a.system.valid}};
  s["baselines"] = base;
  // The analysis' verdict per service and call, one letter per window
  // (window i covers [i, i + 1) x window_s): healthy, degraded, failed,
  // idle, unknown. The report colours the graph from it, so page and
  // verdicts cannot disagree.
  auto letters = [](const std::vector<analysis::Health>& w) {
    std::string out;
    out.reserve(w.size());
    for (auto h : w) out += analysis::health_letter(h);
    return out;
  };
  json health = json::object(), edge_health = json::object();
  for (const auto& [name, f] : a.services) health[name] = letters(f.health.windows);
  for (const auto& e : a.edges) edge_health[e.caller + "->" + e.callee] = letters(e.health.windows);
  s["health"] = {{"window_s", in.thresholds ? in.thresholds->health.window_s : 0.1},
                 {"services", health},
                 {"calls", edge_health}};
  json prop = json::array();
  for (const auto& p : a.propagation)
    prop.push_back({{"service", p.service},
                    {"onset_s", num(p.onset_s)},
                    {"after_fault_s", num(p.after_fault_s)},
                    {"resolution_s", num(p.resolution_s)},
                    {"via", p.via},
                    {"via_edge", p.via_edge},
                    {"hops", p.hops},
                    {"simultaneous", p.simultaneous}});
  s["propagation"] = prop;
  // Per call edge: its amplification (per hop and cumulative) and when its
  // own tries began to fail.
  json calls = json::array();
  for (const auto& e : a.edges) {
    std::optional<double> onset;
    if (e.health.onset_s && in.first_fault_s) onset = *e.health.onset_s - *in.first_fault_s;
    calls.push_back({{"caller", e.caller},
                     {"callee", e.callee},
                     {"tier", e.tier},
                     {"per_hop", num(e.per_hop)},
                     {"per_hop_peak", num(e.per_hop_peak)},
                     {"cumulative", num(e.cumulative)},
                     {"cumulative_peak", num(e.cumulative_peak)},
                     {"onset_after_fault_s", num(onset)}});
  }
  s["amplification"] = calls;
  json controls = json::array();
  for (const auto& c : a.controls)
    controls.push_back({{"service", c.service}, {"control", c.control}, {"engaged_s", num(c.engaged_s)},
                        {"degraded_s", num(c.degraded_s)}, {"outpaced", c.outpaced}, {"simultaneous", c.simultaneous}});
  s["controls"] = controls;
  s["records"] = in.records;
  s["traces"] = in.traces;
  if (!in.flow.is_null()) s["flow"] = in.flow;
  // What the configuration predicts on paper, beside what the run measured
  // (baselines, health); nodes without a cpu limit share the host's CPUs.
  lint::PredictOptions po;
  if (in.host.is_object() && in.host.contains("cpus") && in.host["cpus"].is_number_integer())
    po.host_cpus = in.host["cpus"].get<long>();
  s["predictions"] = lint::predictions_json(lint::predict(topo, po));
  json ex = json::array();
  bool passed = !in.interrupted;
  for (const auto& v : *in.verdicts) {
    ex.push_back({{"name", v.name}, {"metric", v.metric}, {"measured", num(v.measured)}, {"op", model::to_string(v.op)},
                  {"threshold", v.threshold}, {"passed", v.passed}, {"detail", v.detail}});
    passed = passed && v.passed;
  }
  s["expectations"] = ex;
  s["passed"] = passed;
  return s;
}

HostUse host_use(const SeriesStore& store, long cpus) {
  HostUse u;
  const auto& host = store.get(SeriesKey::of_node(series::kHost, series::kHostCpuCores));
  const auto& times = store.times();
  double sum = 0;
  size_t n = 0;
  u.mean_cores = u.max_cores = std::numeric_limits<double>::quiet_NaN();
  for (size_t i = 0; i < host.size(); ++i) {
    if (!std::isfinite(host[i])) continue;
    sum += host[i];
    u.max_cores = n++ == 0 ? host[i] : std::max(u.max_cores, host[i]);
    if (host[i] >= 0.95 * static_cast<double>(cpus) && u.saturated_ticks++ == 0 && i < times.size())
      u.first_saturated_s = times[i];
  }
  if (n > 0) u.mean_cores = sum / static_cast<double>(n);
  return u;
}

nlohmann::json host_json(const runtime::Probe& probe, long cpus, double estimate_cores, const HostUse& use) {
  nlohmann::json features = nlohmann::json::object();
  for (const auto& f : probe.features) features[f.name()] = f.present;
  nlohmann::json backends = nlohmann::json::object();
  for (const auto& [k, v] : probe.backends()) backends[k] = v;
  auto r2 = [](double v) { return std::isfinite(v) ? nlohmann::json(std::round(v * 100) / 100) : nlohmann::json(nullptr); };
  utsname u{};
  return {{"kernel", ::uname(&u) == 0 ? u.release : ""},
          {"cpus", cpus},
          {"cgroup_layout", probe.cgroup_layout},
          {"features", features},
          {"backends", backends},
          {"cpu_estimate_cores", r2(estimate_cores)},
          {"cpu_used_mean_cores", r2(use.mean_cores)},
          {"cpu_used_max_cores", r2(use.max_cores)},
          {"cpu_saturated_ticks", use.saturated_ticks}};
}

nlohmann::json key_figures(const SeriesStore& st, const PhaseTicks& ph, bool any_fault) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  const double g = analysis::mean(st.get(SeriesKey::system(series::kGoodputRps)), ph.fault_begin, ph.fault_end);
  const double off = analysis::mean(st.get(SeriesKey::system(series::kOfferedRps)), ph.fault_begin, ph.fault_end);
  const double gb = analysis::mean(st.get(SeriesKey::system(series::kGoodputRps)), ph.baseline_begin, ph.baseline_end);
  auto n = [](double v) { return std::isfinite(v) ? nlohmann::json(std::round(v * 1000) / 1000) : nlohmann::json(nullptr); };
  return {{"goodput_baseline_rps", n(gb)},
          {"goodput_during_fault_rps", n(any_fault ? g : kNaN)},
          {"offered_during_fault_rps", n(any_fault ? off : kNaN)},
          {"goodput_during_fault_ratio", n(any_fault && off > 0 ? g / off : kNaN)}};
}

Status write_json(const std::string& path, const nlohmann::json& j) {
  // The same atomic write (temporary file, then rename) as workload configurations.
  return workloads::write_config(path, j);
}

}  // namespace faultline::experiment
