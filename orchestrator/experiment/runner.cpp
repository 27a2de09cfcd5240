#include "orchestrator/experiment/runner.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>

#include "orchestrator/experiment/collector.hpp"
#include "orchestrator/experiment/cpu_estimate.hpp"
#include "orchestrator/experiment/event_log.hpp"
#include "orchestrator/experiment/exporter.hpp"
#include "orchestrator/experiment/fault_executor.hpp"
#include "orchestrator/experiment/progress.hpp"
#include "orchestrator/experiment/results.hpp"
#include "orchestrator/experiment/timeline.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::experiment {

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

size_t tick_after(double t_s, double tick_s) { return static_cast<size_t>(std::floor(t_s / tick_s + 1e-9)) + 1; }

// Takes the run down on every path out of run_experiment.
struct RunGuard {
  runtime::Run* run = nullptr;
  ~RunGuard() {
    if (run) (void)run->down();
  }
};

std::string kernel_release() {
  utsname u{};
  return ::uname(&u) == 0 ? u.release : "";
}

double last_value(const SeriesStore& s, const SeriesKey& k) {
  const auto& v = s.get(k);
  return v.empty() ? kNaN : v.back();
}

// The service furthest below its early baseline, for the status line.
std::string worst_service(const model::Topology& topo, const SeriesStore& store, size_t b0, size_t b1) {
  std::string worst;
  double worst_ratio = 0.9;
  for (const auto& n : topo.nodes)
    for (const auto& s : n.services) {
      const auto& g = store.get({n.name, s.name, "goodput_rps"});
      const double base = analysis::mean(g, b0, b1);
      if (!(base > 0) || g.empty() || !std::isfinite(g.back())) continue;
      const double ratio = g.back() / base;
      if (ratio < worst_ratio) {
        worst_ratio = ratio;
        char b[96];
        std::snprintf(b, sizeof b, "%s at %.0f%%", s.name.c_str(), 100 * ratio);
        worst = b;
      }
    }
  return worst;
}

}  // namespace

Result<RunnerResult> run_experiment(const model::Topology& topo, const RunnerOptions& o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return sys_error(ec.value(), "create results folder " + o.out_dir);
  auto ev = EventLog::open(o.out_dir + "/events.jsonl");
  if (!ev.ok()) return ev.error();
  EventLog& events = ev.value();
  Progress progress(stdout, o.progress_tty);

  const auto& ex = topo.experiment;
  const double tick_s = seconds(ex.tick_ns);
  int64_t last_fault_end_ns = 0;
  int64_t first_fault_ns = std::numeric_limits<int64_t>::max();
  for (const auto& f : topo.faults) {
    first_fault_ns = std::min(first_fault_ns, f.at_ns);
    last_fault_end_ns = std::max(last_fault_end_ns, fault_end_ns(f, ex.duration_ns));
  }
  const bool any_fault = !topo.faults.empty();
  // The recovery horizon follows the last fault, even past `duration`.
  const int64_t end_ns = any_fault ? std::max(ex.duration_ns, last_fault_end_ns + ex.horizon_ns) : ex.duration_ns;
  const auto steps = build_timeline(topo, ex.tick_ns, end_ns);

  // The host is small: warn when the workloads may not fit it.
  const bool engine = !o.plan.kernel_netem || ex.backend == model::Backend::kUserspace;
  const auto est = estimate_cpu(topo, engine);
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (est.cores > 0.8 * static_cast<double>(cpus)) {
    std::string why;
    for (const auto& b : est.breakdown) why += (why.empty() ? "" : "; ") + b;
    const std::string msg = "the workloads may need about " + std::to_string(est.cores).substr(0, 4) +
                            " cores and the host has " + std::to_string(cpus) +
                            ": an overloaded host delays everything and fakes failures (" + why + ")";
    events.add(0, "warning", {{"what", msg}});
    std::fprintf(stderr, "faultline: warning: %s\n", msg.c_str());
  }

  // Up.
  const auto plan = plan::make_plan(topo, o.run_name, o.plan);
  runtime::RunOptions ro;
  ro.persistent = false;
  ro.file = o.file;
  ro.log_dir = o.out_dir + "/logs";
  ro.clsact_bpf = o.probe.has("clsact") && o.probe.has("cls_bpf");
  progress.note(0, "up: " + std::to_string(topo.nodes.size()) + " nodes (run " + o.run_name + ")");
  auto run = runtime::Run::up(plan, ro);
  if (!run.ok()) return wrap(run.error(), "up");
  RunGuard guard{run.value().get()};

  auto collector = Collector::open(*run.value(), topo, o.out_dir + "/timeseries.csv", events);
  if (!collector.ok()) return collector.error();
  std::unique_ptr<Exporter> exporter;
  {
    auto e = Exporter::start("127.0.0.1:" + std::to_string(ex.metrics_port), o.run_name, *collector.value());
    if (e.ok()) {
      exporter = std::move(e.value());
      progress.note(0, "metrics of the run: http://127.0.0.1:" + std::to_string(exporter->port()) + "/metrics");
    } else {
      events.add(0, "warning", {{"what", e.error().message()}});
      std::fprintf(stderr, "faultline: warning: %s\n", e.error().message().c_str());
    }
  }
  FaultExecutor faults(*run.value(), topo, events);

  std::vector<FaultRecord> records;
  for (size_t i = 0; i < topo.faults.size(); ++i) {
    const auto& f = topo.faults[i];
    records.push_back({i, describe_target(f.target), describe_fault(f), seconds(f.at_ns),
                       seconds(fault_end_ns(f, ex.duration_ns) - f.at_ns), std::nullopt, std::nullopt});
  }

  // Phase boundaries, in seconds and in ticks (tick i covers ((i-1)*tick, i*tick]).
  const double warm_s = seconds(ex.warmup_ns), base_end_s = seconds(ex.warmup_ns + ex.baseline_ns);
  PhaseTicks ph;
  ph.tick_s = tick_s;
  ph.baseline_begin = tick_after(warm_s, tick_s);
  ph.baseline_end = tick_after(base_end_s, tick_s);
  ph.fault_begin = any_fault ? tick_after(seconds(first_fault_ns), tick_s) : ph.baseline_end;
  ph.fault_end = any_fault ? tick_after(seconds(last_fault_end_ns), tick_s) : ph.baseline_end;
  // Recovery is judged within the horizon only: a system back after it was
  // not back within it, however long `duration` runs on.
  ph.horizon_end = any_fault ? tick_after(seconds(last_fault_end_ns + ex.horizon_ns), tick_s) : ph.baseline_end;

  // The main loop: ticks and timeline steps on one clock.
  const auto t0 = Clock::now();
  auto now_s = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  size_t next_step = 0, tick = 0;
  bool interrupted = false;
  std::string phase;
  auto set_phase = [&](const std::string& p, double t) {
    if (p == phase) return;
    phase = p;
    events.add(t, "phase", {{"phase", p}});
    progress.note(t, "phase: " + p);
  };
  set_phase("warmup", 0);
  // Process exits are events (a crash, an OOM kill, a kill fault), each
  // once, in the order the run reaped them; one a fault caused names it.
  size_t exits_reported = 0;
  auto note_exits = [&](double t, std::optional<size_t> fault) {
    // A fault's own exits were recorded by the fault; others are reaped here.
    if (!fault) run.value()->reap_exited();
    const auto& exits = run.value()->exits();
    for (; exits_reported < exits.size(); ++exits_reported) {
      const auto& e = exits[exits_reported];
      const std::string how = WIFSIGNALED(e.status) ? std::string("killed by signal ") + std::to_string(WTERMSIG(e.status))
                                                    : "exit status " + std::to_string(WEXITSTATUS(e.status));
      nlohmann::json ev = {{"node", e.node}, {"pid", e.id.pid}, {"status", how}};
      if (fault) ev["fault"] = *fault;
      events.add(t, "exit", ev);
      progress.note(t, "process " + std::to_string(e.id.pid) + " in " + e.node + " ended: " + how +
                           (fault ? " (fault " + records[*fault].target + ")" : ""));
    }
  };
  Status failure;
  const double end_s = seconds(end_ns);
  for (;;) {
    const double t = now_s();
    const double t_tick = static_cast<double>(tick) * tick_s;
    const double t_step = next_step < steps.size() ? seconds(steps[next_step].t_ns) : end_s + 1;
    const double next = std::min({t_tick, t_step, end_s});
    if (t < next) {
      pollfd p{o.signal_fd, POLLIN, 0};
      const int ms = static_cast<int>(std::ceil((next - t) * 1000));
      if (o.signal_fd >= 0 && ::poll(&p, 1, ms) > 0) {
        signalfd_siginfo si{};
        (void)!::read(o.signal_fd, &si, sizeof si);
        interrupted = true;
        progress.note(now_s(), "interrupted: reverting faults and taking the run down");
        events.add(now_s(), "phase", {{"phase", "interrupted"}});
        break;
      }
      if (o.signal_fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      continue;
    }
    // Timeline steps due now, in order.
    while (next_step < steps.size() && seconds(steps[next_step].t_ns) <= now_s()) {
      const auto& st = steps[next_step++];
      const double ts = now_s();
      if (any_fault && phase != "faults" && st.kind == Step::Kind::kApply) set_phase("faults", ts);
      note_exits(ts, std::nullopt);  // whatever ended before this step is not its doing
      Status s = st.kind == Step::Kind::kApply ? faults.apply(st.fault, st.fraction, ts) : faults.revert(st.fault, ts);
      auto& rec = records[st.fault];
      if (st.kind == Step::Kind::kApply && !rec.applied_s) rec.applied_s = ts;
      if (st.kind == Step::Kind::kRevert) rec.reverted_s = ts;
      progress.note(ts, std::string(st.kind == Step::Kind::kApply ? (st.fraction < 1 ? "ramp " : "fault ") : "revert ") +
                            rec.target + ": " + rec.what + (s.ok() ? "" : " FAILED: " + s.error().message()));
      note_exits(ts, st.fault);
      if (!s.ok()) {
        failure = s;
        break;
      }
      // After the last fault's end (a revert, or a restart, which ends at once).
      if (faults.active().empty() && ts >= seconds(last_fault_end_ns) - 1e-3) set_phase("recovery", ts);
    }
    if (!failure.ok()) break;
    if (now_s() >= t_tick) {
      const double ts = static_cast<double>(tick) * tick_s;  // the nominal time: even spacing in the data
      if (phase == "warmup" && ts >= warm_s) set_phase("baseline", ts);
      (*collector)->tick(tick, ts);
      note_exits(ts, std::nullopt);
      const auto& store = (*collector)->store();
      std::string active;
      for (size_t i : faults.active()) active += (active.empty() ? "" : ", ") + records[i].target;
      progress.status(phase, ts, end_s, last_value(store, {"", "system", "goodput_rps"}),
                      last_value(store, {"", "system", "offered_rps"}), active,
                      worst_service(topo, store, ph.baseline_begin, ph.baseline_end));
      ++tick;
    }
    if (now_s() >= end_s && tick_s * static_cast<double>(tick) > end_s) break;
  }
  const double t_end = now_s();
  const Status reverted = faults.revert_all(t_end);
  for (auto& r : records)
    if (r.applied_s && !r.reverted_s) r.reverted_s = t_end;
  set_phase(interrupted ? "interrupted" : "done", t_end);
  progress.finish();
  // The estimate was a guess; what the host really did decides whether the
  // run's failures may be the host's own.
  size_t saturated = 0;
  double first_saturated = -1;
  {
    const auto& host = (*collector)->store().get({"host", "", "host_cpu_cores"});
    const auto& times = (*collector)->store().times();
    for (size_t i = 0; i < host.size(); ++i)
      if (std::isfinite(host[i]) && host[i] >= 0.95 * static_cast<double>(cpus)) {
        if (saturated++ == 0 && i < times.size()) first_saturated = times[i];
      }
  }
  if (saturated > 0) {
    char b[320];
    std::snprintf(b, sizeof b,
                  "the host's %ld CPUs were saturated in %zu tick%s (first at %.1f s): delays and failures then may be "
                  "the host's, not the faults'; run fewer or lighter workloads, or on a bigger host",
                  cpus, saturated, saturated == 1 ? "" : "s", first_saturated);
    events.add(t_end, "warning", {{"what", b}});
    std::fprintf(stderr, "faultline: warning: %s\n", b);
  }
  ph.end = (*collector)->store().ticks();

  // Analysis on what was recorded (also after an interruption: partial results).
  auto input = analysis_input(topo, (*collector)->store(), ph, tick_s, any_fault);
  {
    const auto& j = topo.expect.judge;
    auto& th = input.th;
    th.degraded_goodput = j.degraded_goodput_ppm / 1e6;
    th.failed_goodput = j.failed_goodput_ppm / 1e6;
    th.slo_factor = j.slo_factor;
    th.collapse_goodput = j.collapse_goodput_ppm / 1e6;
    th.recovered_goodput = j.recovered_goodput_ppm / 1e6;
    th.recovered_p99 = j.recovered_p99;
    th.offered_back = j.load_back_ppm / 1e6;
    // Within the horizon (the loader refuses a longer window set in the file;
    // the default shrinks to a shorter horizon).
    const int64_t window = std::min(j.recovery_window_ns, ex.horizon_ns);
    th.recovery_window_ticks = static_cast<size_t>(std::max<int64_t>(1, (window + ex.tick_ns - 1) / ex.tick_ns));
    // [expect]'s SLO for every service without its own (analysis_input set those).
    if (j.slo_p99_ns)
      for (auto& sv : input.services)
        if (!sv.slo_p99_s) sv.slo_p99_s = seconds(*j.slo_p99_ns);
  }
  RunnerResult out;
  out.interrupted = interrupted;
  out.analysis = analysis::analyse(input);
  out.verdicts = evaluate(topo, topo.expect, out.analysis, (*collector)->store(), ph, seconds(ex.horizon_ns));

  SummaryInputs si;
  si.topo = &topo;
  si.file = o.file;
  si.variant = o.variant;
  si.run = o.run_name;
  si.repeat = o.repeat;
  si.overrides = o.overrides;
  nlohmann::json features = nlohmann::json::object();
  for (const auto& f : o.probe.features) features[f.name] = f.present;
  nlohmann::json backends = nlohmann::json::object();
  for (const auto& [k, v] : o.probe.backends()) backends[k] = v;
  si.host = {{"kernel", kernel_release()},
             {"cpus", cpus},
             {"cgroup_layout", o.probe.cgroup_layout},
             {"features", features},
             {"backends", backends},
             {"cpu_estimate_cores", std::round(est.cores * 100) / 100},
             {"cpu_used_mean_cores", std::round((*collector)->host_cpu_mean() * 100) / 100},
             {"cpu_used_max_cores", std::round((*collector)->host_cpu_max() * 100) / 100},
             {"cpu_saturated_ticks", saturated}};
  auto opt_s = [&](bool has, double v) { return has ? nlohmann::json(v) : nlohmann::json(nullptr); };
  si.phases = {{"tick_s", tick_s},
               {"warmup_end_s", warm_s},
               {"baseline", {warm_s, base_end_s}},
               {"first_fault_s", opt_s(any_fault, seconds(first_fault_ns))},
               {"last_fault_end_s", opt_s(any_fault, seconds(last_fault_end_ns))},
               {"end_s", t_end}};
  {
    const auto& st = (*collector)->store();
    const double g = analysis::mean(st.get({"", "system", "goodput_rps"}), ph.fault_begin, ph.fault_end);
    const double off = analysis::mean(st.get({"", "system", "offered_rps"}), ph.fault_begin, ph.fault_end);
    const double gb = analysis::mean(st.get({"", "system", "goodput_rps"}), ph.baseline_begin, ph.baseline_end);
    auto n = [](double v) { return std::isfinite(v) ? nlohmann::json(std::round(v * 1000) / 1000) : nlohmann::json(nullptr); };
    si.figures = {{"goodput_baseline_rps", n(gb)},
                  {"goodput_during_fault_rps", n(any_fault ? g : kNaN)},
                  {"offered_during_fault_rps", n(any_fault ? off : kNaN)},
                  {"goodput_during_fault_ratio", n(any_fault && off > 0 ? g / off : kNaN)}};
  }
  si.faults = records;
  si.analysis = &out.analysis;
  si.thresholds = &input.th;
  si.verdicts = &out.verdicts;
  si.interrupted = interrupted;
  si.any_fault = any_fault;
  si.horizon_s = seconds(ex.horizon_ns);
  out.summary = make_summary(si);
  out.passed = out.summary["passed"].get<bool>();
  out.headline = out.summary["verdict"]["headline"].get<std::string>();

  exporter.reset();
  collector.value().reset();
  const Status down = run.value()->down();
  guard.run = nullptr;
  FL_TRY(write_json(o.out_dir + "/summary.json", out.summary));
  if (!failure.ok()) return failure.error();
  if (!reverted.ok()) return wrap(reverted.error(), "revert faults");
  if (!down.ok()) return wrap(down.error(), "down");
  return out;
}

}  // namespace faultline::experiment
