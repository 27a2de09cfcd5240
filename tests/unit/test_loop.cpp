// SPDX-License-Identifier: Apache-2.0
// The experiment loop without root: a manual clock and a fake testbed stand
// for time and the run, so every tick, step, phase, interruption, failure and
// exit is checked exactly.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "orchestrator/experiment/loop.hpp"
#include "orchestrator/experiment/schedule.hpp"

using namespace faultline::model::literals;

using namespace faultline;
using namespace faultline::experiment;

namespace {

constexpr int64_t kS = 1'000'000'000;

// Time moves only when the loop waits, or when the fake testbed says an
// action took time. interrupt_at: a Ctrl-C at that time.
class ManualClock final : public LoopClock {
 public:
  double now_s() override { return now; }
  bool wait_until(double t) override {
    ++waits;
    if (interrupt_at && t >= *interrupt_at) {
      now = std::max(now, *interrupt_at);
      return false;
    }
    now = std::max(now, t);
    return true;
  }
  double now = 0;
  int waits = 0;
  std::optional<double> interrupt_at;
};

class FakeTestbed final : public Testbed {
 public:
  explicit FakeTestbed(ManualClock& c) : clock(c) {}
  Status apply(size_t f, double fraction, double t) override {
    log.push_back(at(t) + "apply " + std::to_string(f) + " " + frac(fraction));
    clock.now += apply_cost_s;
    if (fail_fault && *fail_fault == f) return logic_error("fault " + std::to_string(f) + " refused");
    if (kills.count(f)) exits_.push_back({kill_node, {4242, 1}, W_EXITCODE(0, 9), {}});
    if (std::find(active_.begin(), active_.end(), f) == active_.end()) active_.push_back(f);
    return {};
  }
  Status revert(size_t f, double t) override {
    log.push_back(at(t) + "revert " + std::to_string(f));
    active_.erase(std::remove(active_.begin(), active_.end(), f), active_.end());
    return {};
  }
  Status revert_all(double t) override {
    log.push_back(at(t) + "revert_all" + (active_.empty() ? "" : " " + std::to_string(active_.size())));
    active_.clear();
    return {};
  }
  std::vector<size_t> active() const override { return active_; }
  void collect(size_t tick, double t) override {
    ticks.push_back({tick, t});
    clock.now += collect_cost_s;
  }
  void reap_exits() override {
    for (auto& e : pending_exits) exits_.push_back(e);
    pending_exits.clear();
  }
  const std::vector<runtime::ProcessExit>& exits() const override { return exits_; }
  Status restart_node(const model::NodeId& node) override {
    log.push_back(at(clock.now) + "restart " + node);
    for (auto& e : restart_kills) exits_.push_back(e);  // what the restart itself killed
    restart_kills.clear();
    if (crash_after_restart.count(node))
      pending_exits.push_back({node, {1000 + static_cast<int>(log.size()), 1}, W_EXITCODE(0, 9),
                               {"service " + node, plan::ProcessRole::kService, node}});
    return {};
  }

  ManualClock& clock;
  std::vector<std::string> log;
  std::vector<std::pair<size_t, double>> ticks;
  std::optional<size_t> fail_fault;
  std::set<size_t> kills;                     // faults whose apply kills a process
  std::string kill_node = "db";               // ... in this node
  std::vector<runtime::ProcessExit> pending_exits;  // found by the next reap
  std::vector<runtime::ProcessExit> restart_kills;  // ended by the next restart
  std::set<std::string> crash_after_restart;      // nodes that crash again after each restart
  double apply_cost_s = 0, collect_cost_s = 0;

 private:
  static std::string at(double t) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f ", t);
    return b;
  }
  static std::string frac(double f) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", f);
    return b;
  }
  std::vector<size_t> active_;
  std::vector<runtime::ProcessExit> exits_;
};

std::vector<FaultRecord> records_for(size_t n) {
  std::vector<FaultRecord> r;
  for (size_t i = 0; i < n; ++i) r.push_back({i, "node:db", "cpu 0.2", 0, 0, std::nullopt, std::nullopt, std::nullopt});
  return r;
}

std::vector<std::pair<std::string, double>> phases(const EventLog& ev) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& e : ev.events())
    if (e["kind"] == "phase") out.emplace_back(e["phase"].get<std::string>(), e["t"].get<double>());
  return out;
}

Step step(int64_t t_ns, size_t fault, Step::Kind kind, double fraction = 1.0) { return {t_ns, fault, kind, fraction}; }

LoopPlan plan_of(std::vector<Step> steps, double end_s, double last_end_s, double warmup_s = 2) {
  LoopPlan p;
  p.steps = std::move(steps);
  p.tick_s = 1;
  p.warmup_end_s = warmup_s;
  p.end_s = end_s;
  p.last_fault_end_s = last_end_s;
  p.any_fault = !p.steps.empty();
  return p;
}

FILE* devnull() {
  static FILE* f = std::fopen("/dev/null", "w");
  return f;
}

// A loop's surroundings: the manual clock, the fake run, events in memory.
class LoopTest : public ::testing::Test {
 protected:
  LoopResult run(const LoopPlan& plan, std::vector<FaultRecord>& records, const TickObserver& on_tick = {}) {
    return run_loop(plan, clock, bed, records, events, progress, on_tick);
  }
  ManualClock clock;
  FakeTestbed bed{clock};
  EventLog events;
  Progress progress{devnull(), false};
};

}  // namespace

TEST_F(LoopTest, TicksAtNominalTimesStepsInOrderAndPhasesAsTheyBegin) {
  auto records = records_for(1);
  const auto plan = plan_of({step(4 * kS, 0, Step::Kind::kApply), step(6 * kS, 0, Step::Kind::kRevert)}, 9, 6);
  std::vector<std::string> tick_phases;
  const auto r = run(plan, records,
                          [&](size_t, double, const std::string& phase, const std::vector<size_t>&) {
                            tick_phases.push_back(phase);
                          });
  EXPECT_FALSE(r.interrupted);
  EXPECT_TRUE(r.failure.ok());
  EXPECT_TRUE(r.reverted.ok());
  // Ticks 0..9 at their nominal times; the last is the first at or after the end.
  ASSERT_EQ(bed.ticks.size(), 10u);
  for (size_t i = 0; i < bed.ticks.size(); ++i) {
    EXPECT_EQ(bed.ticks[i].first, i);
    EXPECT_DOUBLE_EQ(bed.ticks[i].second, static_cast<double>(i));
  }
  EXPECT_EQ(r.ticks, 10u);
  EXPECT_EQ(bed.log, (std::vector<std::string>{"4.00 apply 0 1.00", "6.00 revert 0", "9.00 revert_all"}));
  EXPECT_EQ(records[0].applied_s, 4.0);
  EXPECT_EQ(records[0].reverted_s, 6.0);
  const std::vector<std::pair<std::string, double>> want = {
      {"warmup", 0}, {"baseline", 2}, {"faults", 4}, {"recovery", 6}, {"done", 9}};
  EXPECT_EQ(phases(events), want);
  // The status line sees each tick's phase: the step at 4 s runs before tick 4.
  ASSERT_EQ(tick_phases.size(), 10u);
  EXPECT_EQ(tick_phases[1], "warmup");
  EXPECT_EQ(tick_phases[2], "baseline");
  EXPECT_EQ(tick_phases[4], "faults");
  EXPECT_EQ(tick_phases[6], "recovery");
}

TEST_F(LoopTest, ARampAppliesGrowingFractionsAndTheRecoveryWaitsForTheLastFault) {
  auto records = records_for(2);
  // Fault 0 ramps over 3 s; fault 1 runs 5..7; fault 0 ends at 6: recovery only at 7.
  const auto plan = plan_of({step(3 * kS, 0, Step::Kind::kApply, 1.0 / 3), step(4 * kS, 0, Step::Kind::kApply, 2.0 / 3),
                             step(5 * kS, 0, Step::Kind::kApply, 1.0), step(5 * kS, 1, Step::Kind::kApply),
                             step(6 * kS, 0, Step::Kind::kRevert), step(7 * kS, 1, Step::Kind::kRevert)},
                            8, 7);
  run(plan, records);
  EXPECT_EQ(bed.log, (std::vector<std::string>{"3.00 apply 0 0.33", "4.00 apply 0 0.67", "5.00 apply 0 1.00",
                                               "5.00 apply 1 1.00", "6.00 revert 0", "7.00 revert 1",
                                               "8.00 revert_all"}));
  EXPECT_EQ(records[0].applied_s, 3.0) << "the first ramp step is when the fault was applied";
  const auto ph = phases(events);
  ASSERT_GE(ph.size(), 4u);
  EXPECT_EQ(ph[3], (std::pair<std::string, double>{"recovery", 7}));
}

TEST_F(LoopTest, AnInterruptionRevertsWhatIsAppliedAndStops) {
  clock.interrupt_at = 5.5;
  auto records = records_for(1);
  const auto plan = plan_of({step(4 * kS, 0, Step::Kind::kApply), step(8 * kS, 0, Step::Kind::kRevert)}, 12, 8);
  const auto r = run(plan, records);
  EXPECT_TRUE(r.interrupted);
  EXPECT_DOUBLE_EQ(r.end_s, 5.5);
  EXPECT_EQ(bed.ticks.size(), 6u) << "ticks 0..5, none after the interruption";
  EXPECT_EQ(bed.log.back(), "5.50 revert_all 1") << "the applied fault is reverted";
  EXPECT_EQ(records[0].reverted_s, 5.5);
  const auto ph = phases(events);
  ASSERT_FALSE(ph.empty());
  EXPECT_EQ(ph.back(), (std::pair<std::string, double>{"interrupted", 5.5}));
  EXPECT_EQ(std::count_if(ph.begin(), ph.end(), [](const auto& p) { return p.first == "interrupted"; }), 1);
}

TEST_F(LoopTest, AFailedStepStopsTheLoopAndRevertsTheRest) {
  bed.fail_fault = 1;
  auto records = records_for(3);
  const auto plan = plan_of({step(3 * kS, 0, Step::Kind::kApply), step(4 * kS, 1, Step::Kind::kApply),
                             step(5 * kS, 2, Step::Kind::kApply), step(7 * kS, 0, Step::Kind::kRevert)},
                            10, 7);
  const auto r = run(plan, records);
  ASSERT_FALSE(r.failure.ok());
  EXPECT_NE(r.failure.error().message().find("fault 1 refused"), std::string::npos);
  EXPECT_EQ(bed.log, (std::vector<std::string>{"3.00 apply 0 1.00", "4.00 apply 1 1.00", "4.00 revert_all 1"}));
  EXPECT_EQ(bed.ticks.size(), 4u) << "ticks 0..3; none after the failure";
  EXPECT_FALSE(records[2].applied_s) << "steps after the failed one never run";
  EXPECT_EQ(phases(events).back().first, "done");
}

TEST_F(LoopTest, ExitsBecomeEventsOnceAndThoseAFaultCausedNameIt) {
  bed.kills = {0};
  auto records = records_for(1);
  records[0].target = "node:db";
  // A crash before the fault.
  bed.pending_exits.push_back({"app", {777, 1}, W_EXITCODE(3, 0), {"service app", plan::ProcessRole::kService, "app"}});
  // A restart: it acts once and ends at once.
  const auto plan = plan_of({step(3 * kS, 0, Step::Kind::kApply), step(3 * kS, 0, Step::Kind::kRevert)}, 5, 3);
  run(plan, records);
  std::vector<nlohmann::json> exits;
  for (const auto& e : events.events())
    if (e["kind"] == "exit") exits.push_back(e);
  ASSERT_EQ(exits.size(), 2u);
  EXPECT_EQ(exits[0]["node"], "app");
  EXPECT_EQ(exits[0]["status"], "exit status 3");
  EXPECT_EQ(exits[0]["process"], "service app");
  EXPECT_FALSE(exits[0].contains("fault"));
  EXPECT_DOUBLE_EQ(exits[0]["t"].get<double>(), 0.0) << "reaped at the first tick";
  EXPECT_EQ(exits[1]["node"], "db");
  EXPECT_EQ(exits[1]["pid"], 4242);
  EXPECT_EQ(exits[1]["status"], "killed by signal 9");
  EXPECT_EQ(exits[1]["fault"], 0);
  EXPECT_FALSE(exits[1].contains("process")) << "the fake's kill names no process: the event leaves the key out";
  EXPECT_DOUBLE_EQ(exits[1]["t"].get<double>(), 3.0);
}

TEST_F(LoopTest, ANodeWithARestartPolicyRestartsAfterDelaysThatDouble) {
  auto records = records_for(1);
  records[0].target = "node:api";
  bed.kills = {0};                                                     // a fault's kill: no restart
  bed.kill_node = "api";
  // An OOM kill, reaped at tick 0.
  bed.pending_exits.push_back({"api", {500, 1}, W_EXITCODE(0, 9), {"service api", plan::ProcessRole::kService, "api"}});
  // No policy: stays down.
  bed.pending_exits.push_back({"db", {501, 1}, W_EXITCODE(1, 0), {"service db", plan::ProcessRole::kService, "db"}});
  bed.crash_after_restart = {"api"};                                   // a restart loop
  // The first restart ends a sibling.
  bed.restart_kills.push_back({"api", {502, 1}, W_EXITCODE(0, 15), {"command", plan::ProcessRole::kCommand, ""}});
  auto plan = plan_of({step(6 * kS, 0, Step::Kind::kApply), step(6 * kS, 0, Step::Kind::kRevert)}, 12, 6);
  plan.restart_delay_s["api"_node] = 1.0;
  run(plan, records);
  // Crash at 0 -> restart at 1 (1 s); crash reaped at 2 -> 4 (2 s); at 5 -> 9
  // (4 s); at 10 -> 18, after the end. The fault's kill at 6 restarts nothing.
  std::vector<std::string> restarts;
  for (const auto& l : bed.log)
    if (l.find("restart") != std::string::npos) restarts.push_back(l);
  EXPECT_EQ(restarts, (std::vector<std::string>{"1.00 restart api", "4.00 restart api", "9.00 restart api"}));
  std::vector<int> counts;
  int restart_exits = 0, fault_exits = 0;
  for (const auto& e : events.events()) {
    if (e["kind"] == "restart") {
      EXPECT_EQ(e["node"], "api");
      EXPECT_FALSE(e.contains("error"));
      counts.push_back(e["count"].get<int>());
    }
    if (e["kind"] == "exit" && e.contains("restart")) ++restart_exits;
    if (e["kind"] == "exit" && e.contains("fault")) ++fault_exits;
  }
  EXPECT_EQ(counts, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(restart_exits, 1) << "the sibling the first restart ended, marked and not restarted again";
  EXPECT_EQ(fault_exits, 1);
}

TEST_F(LoopTest, ALateCollectionCatchesUpOnEveryNominalTick) {
  bed.collect_cost_s = 1.6;  // each collection takes longer than a tick
  auto records = records_for(0);
  const auto r = run(plan_of({}, 6, 0), records);
  ASSERT_EQ(bed.ticks.size(), 7u) << "no tick is skipped";
  for (size_t i = 0; i < bed.ticks.size(); ++i) EXPECT_DOUBLE_EQ(bed.ticks[i].second, static_cast<double>(i));
  EXPECT_NEAR(r.end_s, 7 * 1.6, 1e-9) << "seven collections of 1.6 s each";
  EXPECT_EQ(bed.log, (std::vector<std::string>{"11.20 revert_all"}));
}

TEST(Schedule, TheHorizonFollowsTheLastFaultAndPhasesFallOnTicks) {
  model::Topology t;
  t.experiment.duration_ns = 40 * kS;
  t.experiment.horizon_ns = 30 * kS;
  t.experiment.warmup_ns = 5 * kS;
  t.experiment.baseline_ns = 10 * kS;
  t.experiment.tick_ns = kS / 2;
  model::Fault a, b;
  a.at_ns = 20 * kS;
  a.for_ns = 10 * kS;
  b.at_ns = 18 * kS;
  b.for_ns = 4 * kS;
  t.faults = {a, b};
  const auto s = schedule_of(t);
  EXPECT_TRUE(s.any_fault);
  EXPECT_EQ(s.first_fault_ns, 18 * kS);
  EXPECT_EQ(s.last_fault_end_ns, 30 * kS);
  EXPECT_EQ(s.end_ns, 60 * kS) << "30 s of horizon after the last fault, past duration";
  const auto ph = phase_ticks(t.experiment, s);
  EXPECT_EQ(ph.baseline_begin, 11u);  // the tick ending at 5.5 s
  EXPECT_EQ(ph.baseline_end, 31u);
  EXPECT_EQ(ph.fault_begin, 37u);
  EXPECT_EQ(ph.fault_end, 61u);
  EXPECT_EQ(ph.horizon_end, 121u);

  model::Topology quiet;
  quiet.experiment.duration_ns = 40 * kS;
  const auto q = schedule_of(quiet);
  EXPECT_FALSE(q.any_fault);
  EXPECT_EQ(q.end_ns, 40 * kS);
}

TEST(Schedule, ThresholdsFollowTheJudgementAndTheWindowFitsTheHorizon) {
  model::Judgement j;
  j.failed_good_ppm = 200'000;
  j.health_window_ns = 50'000'000;
  j.recovery_window_ns = 7 * kS;
  model::Experiment ex;
  ex.tick_ns = 2 * kS;
  ex.horizon_ns = 30 * kS;
  auto th = thresholds_of(j, ex);
  EXPECT_DOUBLE_EQ(th.health.failed_good, 0.2);
  EXPECT_DOUBLE_EQ(th.health.window_s, 0.05);
  EXPECT_DOUBLE_EQ(th.onset_resolution_s, 0.05);
  EXPECT_EQ(th.recovery_window_ticks, 4u) << "7 s in 2 s ticks, rounded up";
  ex.horizon_ns = 3 * kS;
  th = thresholds_of(j, ex);
  EXPECT_EQ(th.recovery_window_ticks, 2u) << "the window shrinks to the horizon";
}
