// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/runner.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "orchestrator/experiment/collector.hpp"
#include "orchestrator/experiment/event_log.hpp"
#include "orchestrator/experiment/exporter.hpp"
#include "orchestrator/experiment/fault_executor.hpp"
#include "orchestrator/experiment/live_board.hpp"
#include "orchestrator/experiment/loop.hpp"
#include "orchestrator/experiment/progress.hpp"
#include "orchestrator/experiment/flow_summary.hpp"
#include "orchestrator/experiment/results.hpp"
#include "orchestrator/experiment/schedule.hpp"
#include "orchestrator/experiment/timeline.hpp"
#include "orchestrator/experiment/traces.hpp"
#include "orchestrator/lint/cpu_estimate.hpp"
#include "orchestrator/runtime/node_faults.hpp"
#include "orchestrator/runtime/run.hpp"
#include "orchestrator/runtime/state.hpp"

namespace faultline::experiment {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

// Takes the run down on every path out of run_experiment.
struct RunGuard {
  runtime::Run* run = nullptr;
  ~RunGuard() {
    if (run) (void)run->down();
  }
};

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
      const auto& g = store.get(SeriesKey::of(n.name, s.name, series::kGoodputRps));
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

void warn(EventLog& events, double t, const std::string& msg) {
  events.add(t, "warning", {{"what", msg}});
  std::fprintf(stderr, "faultline: warning: %s\n", msg.c_str());
}

// The loop's view of a live run: its faults, its collector, its processes.
class RunTestbed final : public Testbed {
 public:
  RunTestbed(runtime::Run& run, FaultExecutor& faults, Collector& collector)
      : run_(run), faults_(faults), collector_(collector) {}
  Status apply(size_t fault, double fraction, double t_s) override { return faults_.apply(fault, fraction, t_s); }
  Status revert(size_t fault, double t_s) override { return faults_.revert(fault, t_s); }
  Status revert_all(double t_s) override { return faults_.revert_all(t_s); }
  std::vector<size_t> active() const override { return faults_.active(); }
  void collect(size_t tick, double t_s) override { collector_.tick(tick, t_s); }
  void reap_exits() override { run_.reap_exited(); }
  const std::vector<runtime::ProcessExit>& exits() const override { return run_.exits(); }
  Status restart_node(const model::NodeId& node) override { return runtime::restart_node(run_, node); }

 private:
  runtime::Run& run_;
  FaultExecutor& faults_;
  Collector& collector_;
};

// The present moment for `faultline watch` and the live page.
LiveData live_now(const model::Topology& topo, runtime::Run& run, const Collector& collector,
              const std::vector<FaultRecord>& faults, int64_t t0_ns, double t_s, const std::string& phase,
              uint16_t port, const EventLog& events) {
  LiveInput li;
  li.topo = &topo;
  li.run = run.name();
  li.source = "run";
  li.store = &collector.store();
  li.records = &collector.records().sources();
  li.t0_ns = t0_ns;
  li.now_s = t_s;
  li.phase = phase;
  li.faults = faults;
  li.limits = current_limits(run);
  li.ended = ended_per_source(topo, run.exits());
  li.events = &events.events();
  if (port) li.page_url = "http://127.0.0.1:" + std::to_string(port) + "/";
  return live_data(li);
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
  const Schedule sched = schedule_of(topo);
  PhaseTicks ph = phase_ticks(ex, sched);

  // The host is small: warn when the workloads may not fit it.
  const bool engine = !o.plan.kernel_netem || ex.backend == model::Backend::kUserspace;
  const auto est = lint::estimate_cpu(topo, engine);
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (lint::crowds_host(est, cpus))
    warn(events, 0,
         "the workloads may need about " + std::to_string(est.cores).substr(0, 4) + " cores and the host has " +
             std::to_string(cpus) + ": an overloaded host delays everything and fakes failures (" +
             lint::breakdown_line(est) + ")");

  // Up.
  const auto plan = plan::make_plan(topo, o.run_name, o.plan);
  runtime::RunOptions ro;
  ro.persistent = false;
  ro.file = o.file;
  ro.log_dir = o.out_dir + "/logs";
  ro.clsact_bpf = o.probe.has_clsact_bpf();
  progress.note(0, "up: " + std::to_string(topo.nodes.size()) + " nodes (run " + o.run_name + ")");
  auto run = runtime::Run::up(plan, ro);
  if (!run.ok()) return wrap(run.error(), "up");
  RunGuard guard{run.value().get()};

  auto collector =
      Collector::open(*run.value(), topo, o.out_dir + "/timeseries.csv", events, o.out_dir + "/records.bin");
  if (!collector.ok()) return collector.error();
  // What `faultline watch` and the live page show, after each tick.
  LiveBoard board(runtime::run_dir(o.run_name) + "/live.json");
  std::unique_ptr<Exporter> exporter;
  {
    auto e = Exporter::start("127.0.0.1:" + std::to_string(ex.metrics_port), o.run_name, *collector.value(), &board);
    if (e.ok()) {
      exporter = std::move(e.value());
      const std::string base = "http://127.0.0.1:" + std::to_string(exporter->port());
      progress.note(0, "watch it: faultline watch " + o.run_name + "  or open " + base + "/ (metrics: " + base +
                           "/metrics)");
    } else {
      warn(events, 0, e.error().message());
      progress.note(0, "watch it: faultline watch " + o.run_name);
    }
  }
  FaultExecutor faults(*run.value(), topo, events);

  std::vector<FaultRecord> records;
  for (size_t i = 0; i < topo.faults.size(); ++i) {
    const auto& f = topo.faults[i];
    records.push_back({i, describe_target(f.target), describe_fault(f), seconds(f.at_ns),
                       seconds(fault_end_ns(f, ex.duration_ns) - f.at_ns), std::nullopt, std::nullopt,
                       f.target.kind == model::FaultTarget::Kind::kLink ? std::optional(f.target.link) : std::nullopt});
  }

  // The loop: ticks and timeline steps on one clock.
  LoopPlan lp;
  lp.steps = build_timeline(topo, ex.tick_ns, sched.end_ns);
  lp.tick_s = ph.tick_s;
  lp.warmup_end_s = seconds(ex.warmup_ns);
  lp.end_s = seconds(sched.end_ns);
  lp.last_fault_end_s = seconds(sched.last_fault_end_ns);
  lp.any_fault = sched.any_fault;
  for (const auto& n : topo.nodes)
    if (n.restart_on_failure) lp.restart_delay_s[n.name] = seconds(n.restart_delay_ns);
  SteadyLoopClock clock(o.signal_fd);
  RunTestbed bed(*run.value(), faults, *collector.value());
  const auto& store = (*collector)->store();
  const LoopResult loop =
      run_loop(lp, clock, bed, records, events, progress,
               [&](size_t, double ts, const std::string& phase, const std::vector<size_t>& active) {
                 std::string names;
                 for (size_t i : active) names += (names.empty() ? "" : ", ") + records[i].target;
                 progress.status(phase, ts, lp.end_s, last_value(store, SeriesKey::system(series::kGoodputRps)),
                                 last_value(store, SeriesKey::system(series::kOfferedRps)), names,
                                 worst_service(topo, store, ph.baseline_begin, ph.baseline_end));
                 board.refresh([&] {
                   return live_now(topo, *run.value(), **collector, records, clock.t0_ns(), ts, phase,
                                   exporter ? exporter->port() : 0, events);
                 });
               });
  board.end();
  progress.finish();
  // The estimate was a guess; what the host really did decides whether the
  // run's failures may be the host's own.
  const HostUse host = host_use(store, cpus);
  if (host.saturated_ticks > 0) {
    char b[320];
    std::snprintf(b, sizeof b,
                  "the host's %ld CPUs were saturated in %zu tick%s (first at %.1f s): delays and failures then may be "
                  "the host's, not the faults'; run fewer or lighter workloads, or on a bigger host",
                  cpus, host.saturated_ticks, host.saturated_ticks == 1 ? "" : "s", host.first_saturated_s);
    warn(events, loop.end_s, b);
  }
  ph.end = store.ticks();

  // Analysis on what was recorded (also after an interruption: partial results).
  const auto& spans = (*collector)->records().sources();
  auto input = analysis_input(topo, store, ph, sched, RequestData{&spans, clock.t0_ns(), loop.end_s});
  input.th = thresholds_of(topo.expect.judge, ex);
  // [expect]'s SLO for every service without its own (analysis_input set those).
  if (topo.expect.judge.slo_p99_ns)
    for (auto& sv : input.services)
      if (!sv.slo_p99_s) sv.slo_p99_s = seconds(*topo.expect.judge.slo_p99_ns);
  RunnerResult out;
  out.interrupted = loop.interrupted;
  out.analysis = analysis::analyse(input);
  out.verdicts = evaluate(topo, topo.expect, out.analysis, store, ph, seconds(ex.horizon_ns));

  SummaryInputs si;
  si.topo = &topo;
  si.file = o.file;
  si.variant = o.variant;
  si.run = o.run_name;
  si.repeat = o.repeat;
  si.overrides = o.overrides;
  si.host = host_json(o.probe, cpus, est.cores, host);
  auto opt_s = [&](bool has, double v) { return has ? nlohmann::json(v) : nlohmann::json(nullptr); };
  const double warm_s = seconds(ex.warmup_ns);
  si.phases = {{"tick_s", ph.tick_s},
               {"warmup_end_s", warm_s},
               {"baseline", {warm_s, seconds(ex.warmup_ns + ex.baseline_ns)}},
               {"first_fault_s", opt_s(sched.any_fault, seconds(sched.first_fault_ns))},
               {"last_fault_end_s", opt_s(sched.any_fault, seconds(sched.last_fault_end_ns))},
               {"end_s", loop.end_s}};
  si.figures = key_figures(store, ph, sched.any_fault);
  si.faults = records;
  si.analysis = &out.analysis;
  si.thresholds = &input.th;
  si.verdicts = &out.verdicts;
  si.interrupted = loop.interrupted;
  si.any_fault = sched.any_fault;
  if (sched.any_fault) si.first_fault_s = seconds(sched.first_fault_ns);
  si.records = records_summary(spans, ended_per_source(topo, run.value()->exits()));
  si.traces = first_failed_traces(spans, service_addresses(topo), clock.t0_ns(), sched.any_fault ? seconds(sched.first_fault_ns) : 0);
  const RunClock rc = read_run_clock(clock.t0_ns());
  si.phases["t0_monotonic_ns"] = rc.t0_monotonic_ns;
  si.phases["t0_unix_ns"] = rc.t0_unix_ns;
  si.horizon_s = seconds(ex.horizon_ns);
  si.flow = flow_summary(store, ph, si.first_fault_s, run.value()->flows() ? "" : run.value()->flows_unavailable());
  out.summary = make_summary(si);
  out.passed = out.summary["passed"].get<bool>();
  out.headline = out.summary["verdict"]["headline"].get<std::string>();

  exporter.reset();
  collector.value().reset();
  const Status down = run.value()->down();
  guard.run = nullptr;
  FL_TRY(write_json(o.out_dir + "/summary.json", out.summary));
  if (!loop.failure.ok()) return loop.failure.error();
  if (!loop.reverted.ok()) return wrap(loop.reverted.error(), "revert faults");
  if (!down.ok()) return wrap(down.error(), "down");
  return out;
}

}  // namespace faultline::experiment
