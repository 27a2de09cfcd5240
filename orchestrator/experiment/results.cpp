#include "orchestrator/experiment/results.hpp"

#include <bpf/libbpf.h>
#include <netlink/version.h>
#include <sys/utsname.h>

#include <boost/version.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <toml++/toml.h>

#include "orchestrator/experiment/collector.hpp"
#include "workloads/spec/config.hpp"

namespace faultline::experiment {

namespace {

nlohmann::json num(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return std::round(*v * 1e6) / 1e6;
}
nlohmann::json num(double v) { return num(std::optional<double>(v)); }

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

}  // namespace

analysis::Input analysis_input(const model::Topology& topo, const SeriesStore& store, const PhaseTicks& ph,
                               double tick_s, bool any_fault) {
  analysis::Input in;
  in.tick_s = tick_s;
  in.baseline_begin = ph.baseline_begin;
  in.baseline_end = ph.baseline_end;
  if (any_fault) {
    in.first_fault = ph.fault_begin;
    in.last_fault_end = ph.fault_end;
    in.horizon_end = ph.horizon_end;
  }
  in.offered = store.get({"", "system", "offered_rps"});
  in.goodput = store.get({"", "system", "goodput_rps"});
  in.p99_s = store.get({"", "system", "p99_s"});
  for (const auto& n : topo.nodes)
    for (const auto& s : n.services) {
      analysis::ServiceSeries ss;
      ss.name = s.name;
      ss.goodput = store.get({n.name, s.name, "goodput_rps"});
      ss.p99_s = store.get({n.name, s.name, "p99_s"});
      ss.up = store.get({n.name, s.name, "up"});
      if (s.slo_p99_ns) ss.slo_p99_s = static_cast<double>(*s.slo_p99_ns) / 1e9;
      // A control is compared with propagation only where the service has
      // it: a queue always bounds (shedding), breakers and retry budgets or
      // throttles only where its calls configure them.
      bool breaker = false, budget = false;
      for (const auto& ep : s.endpoints)
        for (const auto& c : ep.calls) {
          breaker = breaker || c.breaker.enabled;
          budget = budget || ((c.retries > 0 || c.hedge_ns > 0) && (c.budget_ppm > 0 || c.throttle.max_tokens > 0));
        }
      if (breaker) ss.breaker_open = store.get({n.name, s.name, "breaker_open"});
      ss.shed = store.get({n.name, s.name, "shed_rps"});
      if (budget) ss.budget_exhausted = store.get({n.name, s.name, "retries_refused_rps"});
      in.services.push_back(std::move(ss));
    }
  auto services_of = [&](const std::string& node) {
    if (const auto* n = topo.find_node(node))
      for (const auto& sv : n->services) in.origins.push_back(sv.name);
  };
  for (const auto& f : topo.faults) {
    using K = model::FaultTarget::Kind;
    switch (f.target.kind) {
      case K::kNode: services_of(f.target.name); break;
      case K::kLink: services_of(f.target.a), services_of(f.target.b); break;
      case K::kSegment:
        for (const auto& sg : topo.segments)
          if (sg.name == f.target.name)
            for (const auto& m : sg.members) services_of(m);
        break;
      case K::kLoad: in.origins.push_back("load:" + f.target.name); break;
    }
  }
  for (const auto& e : call_edges(topo))
    in.edges.push_back({e.caller, e.callee, store.get({e.caller_node, e.series(), "attempts_rps"})});
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
    s["thresholds"] = {{"degraded_goodput", th.degraded_goodput}, {"failed_goodput", th.failed_goodput},
                       {"slo_factor", th.slo_factor},             {"collapse_goodput", th.collapse_goodput},
                       {"recovered_goodput", th.recovered_goodput}, {"recovered_p99", th.recovered_p99},
                       {"recovery_window_ticks", th.recovery_window_ticks}, {"load_back_within", th.offered_back}};
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
  s["faults"] = faults;
  s["verdict"] = {{"collapsed", a.collapsed},
                  {"time_to_collapse_s", num(a.time_to_collapse_s)},
                  {"recovered", in.any_fault ? json(a.recovered) : json(nullptr)},
                  {"recovery_s", num(a.recovery_s)},
                  {"metastable", a.metastable},
                  {"blast_radius", num(a.blast_radius)},
                  {"hops_per_s", num(a.hops_per_s)},
                  {"max_amplification", num(a.max_amplification)},
                  {"headline", headline(a, in.any_fault, in.horizon_s)}};
  json base = json::object();
  for (const auto& [name, b] : a.baselines)
    base[name] = {{"goodput_rps", num(b.goodput)}, {"p99_s", num(b.p99_s)}, {"slo_p99_s", num(b.slo_p99_s)},
                  {"valid", b.valid}};
  base["system"] = {{"goodput_rps", num(a.system.goodput)}, {"p99_s", num(a.system.p99_s)}, {"valid", a.system.valid}};
  s["baselines"] = base;
  // The analysis' verdict per service and tick (tick i at i * tick_s), one
  // letter each: healthy, degraded, failed, unknown. The report colours the
  // graph from it, so page and verdicts cannot disagree.
  json health = json::object();
  for (const auto& [name, ticks] : a.health) {
    std::string letters;
    letters.reserve(ticks.size());
    for (auto h : ticks) letters += analysis::to_string(h)[0];
    health[name] = letters;
  }
  s["health"] = {{"tick_s", in.phases.value("tick_s", 1.0)}, {"services", health}};
  json prop = json::array();
  for (const auto& p : a.propagation)
    prop.push_back({{"service", p.service},
                    {"after_fault_s", num(p.after_fault_s)},
                    {"via", p.via},
                    {"hops", p.hops},
                    {"same_tick", p.same_tick}});
  s["propagation"] = prop;
  json amp = json::array();
  for (const auto& e : a.amplification)
    amp.push_back({{"caller", e.caller}, {"callee", e.callee}, {"tier", e.tier}, {"during_fault", num(e.during_fault)},
                   {"peak", num(e.peak)}});
  s["amplification"] = amp;
  json tiers = json::object();
  for (const auto& [t, v] : a.tier_amplification) tiers[std::to_string(t)] = num(v);
  s["tier_amplification"] = tiers;
  json controls = json::array();
  for (const auto& c : a.controls)
    controls.push_back({{"service", c.service}, {"control", c.control}, {"engaged_s", num(c.engaged_s)},
                        {"degraded_s", num(c.degraded_s)}, {"outpaced", c.outpaced}});
  s["controls"] = controls;
  json ex = json::array();
  bool passed = !in.interrupted;
  for (const auto& v : *in.verdicts) {
    ex.push_back({{"name", v.name}, {"metric", v.metric}, {"measured", num(v.measured)}, {"op", v.op},
                  {"threshold", v.threshold}, {"passed", v.passed}, {"detail", v.detail}});
    passed = passed && v.passed;
  }
  s["expectations"] = ex;
  s["passed"] = passed;
  return s;
}

HostUse host_use(const SeriesStore& store, long cpus) {
  HostUse u;
  const auto& host = store.get({"host", "", "host_cpu_cores"});
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
  for (const auto& f : probe.features) features[f.name] = f.present;
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
  const double g = analysis::mean(st.get({"", "system", "goodput_rps"}), ph.fault_begin, ph.fault_end);
  const double off = analysis::mean(st.get({"", "system", "offered_rps"}), ph.fault_begin, ph.fault_end);
  const double gb = analysis::mean(st.get({"", "system", "goodput_rps"}), ph.baseline_begin, ph.baseline_end);
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
