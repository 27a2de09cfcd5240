// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/live.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "orchestrator/experiment/schedule.hpp"
#include "orchestrator/model/series_names.hpp"
#include "orchestrator/experiment/traces.hpp"

namespace faultline::experiment {

namespace {

using nlohmann::json;
namespace series = model::series;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

json num(double v) { return std::isfinite(v) ? json(std::round(v * 1e6) / 1e6) : json(nullptr); }

int64_t ns(double s) { return static_cast<int64_t>(std::llround(s * 1e9)); }

// The value of the last tick; NaN when the series has none for it.
double last(const SeriesStore& st, const SeriesKey& k) {
  const auto& v = st.get(k);
  return st.ticks() > 0 && v.size() == st.ticks() ? v.back() : kNaN;
}

bool in_force(const FaultRecord& f) { return f.applied_s && !f.reverted_s; }

// When the faults so far happened, as the analysis' schedule: the first one
// applied, the end of the last (one still in force: its planned end, or now
// for a fault typed live, which has none).
Schedule schedule_so_far(const LiveInput& in) {
  Schedule s;
  s.end_ns = ns(in.now_s);
  for (const auto& f : in.faults) {
    if (!f.applied_s) continue;
    double end = in.now_s;
    if (f.reverted_s) end = *f.reverted_s;
    else if (in.planned_lengths) end = *f.applied_s + f.for_s;
    if (!s.any_fault || ns(*f.applied_s) < s.first_fault_ns) s.first_fault_ns = ns(*f.applied_s);
    s.last_fault_end_ns = s.any_fault ? std::max(s.last_fault_end_ns, ns(end)) : ns(end);
    s.any_fault = true;
  }
  return s;
}

// The worst state of the windows that ended in the last second: one window
// (100 ms) flickers; a second of them is what a person can read.
analysis::Health recent_health(const analysis::SubjectHealth& h, double window_s, double now_s) {
  if (!(window_s > 0) || h.windows.empty()) return analysis::Health::kUnknown;
  const auto rank = [](analysis::Health x) {
    switch (x) {
      case analysis::Health::kFailed: return 4;
      case analysis::Health::kDegraded: return 3;
      case analysis::Health::kHealthy: return 2;
      case analysis::Health::kIdle: return 1;
      case analysis::Health::kUnknown: return 0;
    }
    return 0;
  };
  const auto end = std::min(h.windows.size(), static_cast<size_t>(std::floor(now_s / window_s + 1e-9)));
  const auto span = static_cast<size_t>(std::llround(1.0 / window_s));
  const size_t begin = end > span ? end - span : 0;
  analysis::Health worst = analysis::Health::kUnknown;
  bool any = false;
  for (size_t i = begin; i < end; ++i)
    if (!any || rank(h.windows[i]) > rank(worst)) {
      worst = h.windows[i];
      any = true;
    }
  return worst;
}

std::string fmt_after(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "+%.1f s", s);
  return b;
}

// One line: which services went bad, in which order, and what is bad now.
std::string spreading_line(const analysis::Findings& a, const std::vector<std::string>& bad_now, bool any_fault,
                           bool fault_now) {
  std::string out;
  if (!any_fault) out = "no fault yet";
  else if (a.propagation.empty()) out = fault_now ? "fault in force; no service has degraded" : "no service degraded";
  else {
    out = "spreading: ";
    for (size_t i = 0; i < a.propagation.size(); ++i) {
      const auto& p = a.propagation[i];
      if (i) out += p.simultaneous ? " = " : " -> ";
      out += p.service + " (" + fmt_after(p.after_fault_s) + (p.via.empty() ? "" : ", via " + p.via) + ")";
    }
  }
  if (!bad_now.empty()) {
    out += "; bad now: ";
    for (size_t i = 0; i < bad_now.size(); ++i) out += (i ? ", " : "") + bad_now[i];
  } else if (any_fault && !a.propagation.empty()) {
    out += "; all healthy now";
  }
  return out;
}

// The flow view's node pairs at the last tick (node "flow" in the store):
// what went between them and the trouble on the wire. Pairs with nothing in
// the last tick are left out; the most troubled first, then by name.
json flow_pairs_now(const SeriesStore& store) {
  std::vector<std::string> pairs;
  for (const auto& [k, v] : store.all())
    if (k.node == series::kFlowNode && (pairs.empty() || pairs.back() != k.service)) pairs.push_back(k.service);
  struct Row {
    double trouble;
    json j;
  };
  std::vector<Row> rows;
  for (const auto& pair : pairs) {
    auto at = [&](const char* m) { return last(store, {series::kFlowNode, pair, m}); };
    const double pps = at(series::kFlowPackets), re = at(series::kFlowRetransmits), drops = at(series::kFlowDrops),
                 rs = at(series::kFlowResetsSent), rr = at(series::kFlowResetsReceived),
                 failed = at(series::kFlowConnectsFailed);
    double trouble = 0;
    for (double x : {re, drops, rs, rr, failed})
      if (std::isfinite(x)) trouble += x;
    if (!(trouble > 0) && !(pps > 0)) continue;
    rows.push_back({trouble,
                    {{"pair", pair},
                     {"flow_pps", num(pps)},
                     {"retransmits_ps", num(re)},
                     {"drops_pps", num(drops)},
                     {"resets_sent_ps", num(rs)},
                     {"resets_received_ps", num(rr)},
                     {"connects_failed_ps", num(failed)},
                     {"srtt_s", num(at(series::kFlowSrtt))}}});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.trouble > b.trouble; });
  json out = json::array();
  for (auto& r : rows) out.push_back(std::move(r.j));
  return out;
}

}  // namespace

json columnar(const SeriesStore& store) {
  auto round6 = [](double v) -> json {
    if (!std::isfinite(v)) return nullptr;
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", v);
    return std::strtod(b, nullptr);
  };
  json t = json::array();
  for (double x : store.times()) t.push_back(round6(x));
  json series = json::array();
  for (const auto& [k, v] : store.all()) {
    json vs = json::array();
    for (size_t i = 0; i < store.times().size(); ++i) vs.push_back(i < v.size() ? round6(v[i]) : json(nullptr));
    series.push_back({{"m", k.metric}, {"n", k.node}, {"s", k.service}, {"v", std::move(vs)}});
  }
  return {{"t", std::move(t)}, {"series", std::move(series)}, {"skipped", 0}};
}

LiveData live_data(const LiveInput& in) {
  const auto& topo = *in.topo;
  const auto& ex = topo.experiment;
  const auto& store = *in.store;
  const Schedule sched = schedule_so_far(in);
  PhaseTicks ph = phase_ticks(ex, sched);
  ph.end = store.ticks();

  // The analysis as after a run that ended now.
  auto input = analysis_input(topo, store, ph, sched, RequestData{in.records, in.t0_ns, in.now_s});
  input.th = thresholds_of(topo.expect.judge, ex);
  if (topo.expect.judge.slo_p99_ns)
    for (auto& sv : input.services)
      if (!sv.slo_p99_s) sv.slo_p99_s = static_cast<double>(*topo.expect.judge.slo_p99_ns) / 1e9;
  const analysis::Findings a = analysis::analyse(input);
  const double window_s = input.th.health.window_s;

  json services = json::array();
  std::vector<std::string> bad_now;
  for (const auto& n : topo.nodes)
    for (const auto& s : n.services) {
      auto h = analysis::Health::kUnknown;
      if (auto it = a.services.find(s.name); it != a.services.end()) h = recent_health(it->second.health, window_s, in.now_s);
      if (analysis::bad(h)) bad_now.push_back(s.name);
      services.push_back({{"name", s.name},
                          {"node", n.name},
                          {"requests_rps", num(last(store, {n.name, s.name, series::kRequestsRps}))},
                          {"errors_rps", num(last(store, {n.name, s.name, series::kErrorsRps}))},
                          {"p99_s", num(last(store, {n.name, s.name, series::kP99}))},
                          {"queue_depth", num(last(store, {n.name, s.name, series::kQueueDepth}))},
                          {"breakers_open", num(last(store, {n.name, s.name, series::kBreakerOpen}))},
                          {"up", num(last(store, {n.name, s.name, series::kUp}))},
                          {"health", analysis::to_string(h)}});
    }
  json loads = json::array();
  for (const auto& n : topo.nodes)
    if (n.load) {
      const std::string id = series::load_name(n.name);
      loads.push_back({{"name", id},
                       {"offered_rps", num(last(store, {n.name, id, series::kOfferedRps}))},
                       {"goodput_rps", num(last(store, {n.name, id, series::kGoodputRps}))},
                       {"errors_rps", num(last(store, {n.name, id, series::kErrorsRps}))},
                       {"p99_s", num(last(store, {n.name, id, series::kP99}))}});
    }
  json nodes = json::array();
  for (const auto& n : topo.nodes) {
    json lim_cpu = nullptr, lim_mem = nullptr;
    if (auto it = in.limits.find(n.name); it != in.limits.end()) {
      if (it->second.cpu_millicores) lim_cpu = it->second.cpu_millicores / 1000.0;
      if (it->second.memory_bytes) lim_mem = it->second.memory_bytes;
    }
    nodes.push_back({{"name", n.name},
                     {"cpu_cores", num(last(store, {n.name, "", series::kCpuCores}))},
                     {"cpu_limit_cores", lim_cpu},
                     {"memory_bytes", num(last(store, {n.name, "", series::kMemoryBytes}))},
                     {"memory_limit_bytes", lim_mem},
                     {"oom_kills", num(last(store, {n.name, "", series::kOomKills}))},
                     {"cpu_throttled_s", num(last(store, {n.name, "", series::kCpuThrottled}))},
                     {"runq_wait_share", num(last(store, {n.name, "", series::kRunqWaitShare}))},
                     {"runq_delay_s", num(last(store, {n.name, "", series::kRunqDelay}))}});
  }
  json flows = flow_pairs_now(store);
  json faults = json::array();
  bool fault_now = false;
  for (const auto& f : in.faults) {
    if (!in_force(f)) continue;
    fault_now = true;
    json remaining = nullptr;
    if (in.planned_lengths) remaining = num(std::max(0.0, *f.applied_s + f.for_s - in.now_s));
    faults.push_back({{"target", f.target}, {"what", f.what}, {"since_s", num(*f.applied_s)}, {"remaining_s", remaining}});
  }
  json spread = json::array();
  for (const auto& p : a.propagation)
    spread.push_back({{"service", p.service}, {"after_fault_s", num(p.after_fault_s)}, {"via", p.via}});

  LiveData out;
  out.now = {{"run", in.run},
             {"experiment", ex.name},
             {"source", in.source},
             {"t_s", num(in.now_s)},
             {"phase", in.phase},
             {"page", in.page_url},
             {"health_window_s", window_s},
             {"services", std::move(services)},
             {"loads", std::move(loads)},
             {"nodes", std::move(nodes)},
             {"flows", std::move(flows)},
             {"faults", std::move(faults)},
             {"propagation", std::move(spread)},
             {"verdict", spreading_line(a, bad_now, sched.any_fault, fault_now)}};

  SummaryInputs si;
  si.topo = &topo;
  si.run = in.run;
  si.phases = {{"tick_s", ph.tick_s},
               {"warmup_end_s", static_cast<double>(ex.warmup_ns) / 1e9},
               {"baseline", {static_cast<double>(ex.warmup_ns) / 1e9, static_cast<double>(ex.warmup_ns + ex.baseline_ns) / 1e9}},
               {"first_fault_s", sched.any_fault ? num(static_cast<double>(sched.first_fault_ns) / 1e9) : json(nullptr)},
               {"last_fault_end_s", sched.any_fault ? num(static_cast<double>(sched.last_fault_end_ns) / 1e9) : json(nullptr)},
               {"end_s", num(in.now_s)}};
  si.figures = key_figures(store, ph, sched.any_fault);
  si.faults = in.faults;
  si.analysis = &a;
  si.thresholds = &input.th;
  const std::vector<Verdict> none;
  si.verdicts = &none;
  si.any_fault = sched.any_fault;
  if (sched.any_fault) si.first_fault_s = static_cast<double>(sched.first_fault_ns) / 1e9;
  si.horizon_s = static_cast<double>(ex.horizon_ns) / 1e9;
  if (in.records) si.records = records_summary(*in.records, in.ended);
  json summary = make_summary(si);
  // Not judged yet: the page shows no badge rather than a verdict.
  summary["passed"] = nullptr;
  out.page = {{"summary", std::move(summary)},
              {"series", columnar(store)},
              {"events", in.events ? json(*in.events) : json::array()},
              {"now", out.now}};
  return out;
}

}  // namespace faultline::experiment
