// The pure parts of the experiment runner: the fault timeline, ramps of
// impairments, the CPU estimate, expectations and the comparison table.
#include <gtest/gtest.h>

#include <cmath>

#include "orchestrator/experiment/compare.hpp"
#include "orchestrator/experiment/cpu_estimate.hpp"
#include "orchestrator/experiment/expectations.hpp"
#include "orchestrator/experiment/fault_executor.hpp"
#include "orchestrator/experiment/timeline.hpp"

using namespace faultline;
using namespace faultline::experiment;

namespace {

constexpr int64_t kS = 1'000'000'000;

model::Fault fault_at(int64_t at, int64_t dur) {
  model::Fault f;
  f.at_ns = at;
  f.for_ns = dur;
  f.target.kind = model::FaultTarget::Kind::kNode;
  f.target.name = "db";
  f.cpu_millicores = 200;
  return f;
}

}  // namespace

TEST(Timeline, AppliesAndRevertsInTimeOrderRevertsFirstAtEqualTimes) {
  model::Topology t;
  t.faults = {fault_at(20 * kS, 10 * kS), fault_at(30 * kS, 5 * kS), fault_at(25 * kS, 0)};
  const auto steps = build_timeline(t, kS, 60 * kS);
  ASSERT_EQ(steps.size(), 6u);
  EXPECT_EQ(steps[0].t_ns, 20 * kS);
  EXPECT_EQ(steps[0].fault, 0u);
  EXPECT_EQ(steps[1].t_ns, 25 * kS);
  EXPECT_EQ(steps[1].fault, 2u);
  // At 30 s fault 0 ends and fault 1 starts: the revert comes first.
  EXPECT_EQ(steps[2].t_ns, 30 * kS);
  EXPECT_EQ(steps[2].kind, Step::Kind::kRevert);
  EXPECT_EQ(steps[2].fault, 0u);
  EXPECT_EQ(steps[3].kind, Step::Kind::kApply);
  EXPECT_EQ(steps[3].fault, 1u);
  EXPECT_EQ(steps[4].t_ns, 35 * kS);
  // `for` = 0: until the end of the run.
  EXPECT_EQ(steps[5].t_ns, 60 * kS);
  EXPECT_EQ(steps[5].fault, 2u);
  EXPECT_EQ(steps[5].kind, Step::Kind::kRevert);
}

TEST(Timeline, RampsStepLinearlyAndRestartsDoNotRevert) {
  model::Topology t;
  auto f = fault_at(10 * kS, 20 * kS);
  f.ramp_ns = 4 * kS;
  auto r = fault_at(12 * kS, 0);
  r.cpu_millicores.reset();
  r.action = model::Fault::Action::kRestart;
  t.faults = {f, r};
  const auto steps = build_timeline(t, kS, 60 * kS);
  std::vector<double> fractions;
  for (const auto& s : steps)
    if (s.fault == 0 && s.kind == Step::Kind::kApply) fractions.push_back(s.fraction);
  EXPECT_EQ(fractions, (std::vector<double>{0.25, 0.5, 0.75, 1.0}));
  EXPECT_EQ(steps.front().t_ns, 10 * kS) << "a ramp starts at `at`";
  int restart_steps = 0;
  for (const auto& s : steps) restart_steps += s.fault == 1;
  EXPECT_EQ(restart_steps, 1);
  EXPECT_EQ(describe_fault(f), "cpu 0.2, ramp 4000ms");
  EXPECT_EQ(describe_target(f.target), "node:db");
}

TEST(Ramp, ImpairmentMovesLinearlyAndNeverGetsInvalid) {
  netem::Impairment from, to;
  from.delay_ns = 2'000'000;
  to.delay_ns = 102'000'000;
  to.jitter_ns = 10'000'000;
  to.loss_ppm = 100'000;
  to.rate_bps = 10'000'000;
  const auto half = ramp_impairment(from, to, 0.5);
  EXPECT_EQ(half.delay_ns, 52'000'000);
  EXPECT_EQ(half.jitter_ns, 5'000'000);
  EXPECT_EQ(half.loss_ppm, 50'000u);
  EXPECT_EQ(half.rate_bps, 20'000'000u) << "from unlimited: the target over the fraction";
  EXPECT_EQ(ramp_impairment(from, to, 1.0), to);
  netem::Impairment nodelay;
  nodelay.jitter_ns = 0;
  EXPECT_EQ(ramp_impairment(nodelay, nodelay, 0.3).jitter_ns, 0);
}

TEST(CpuEstimate, FollowsCallsAndProbabilitiesAndCapsAtTheCgroup) {
  model::Topology t;
  model::Node db{}, api{}, client{};
  db.name = "db";
  db.cpu_millicores = 500;
  model::Service dbs;
  dbs.name = "db";
  dbs.port = 5432;
  model::Endpoint e;
  e.work.mean_ns = 2'000'000;  // 2 ms
  dbs.endpoints = {e};
  db.services = {dbs};
  api.name = "api";
  model::Service as;
  as.name = "api";
  as.port = 8080;
  model::Endpoint ae;
  model::Call c;
  c.to_node = "db";
  c.to_port = 5432;
  c.probability_ppm = 500'000;
  ae.calls = {c};
  as.endpoints = {ae};
  api.services = {as};
  client.name = "client";
  model::Load l;
  l.target_node = "api";
  l.target_port = 8080;
  l.rate = 400;
  l.mix = {{"/", 1}};
  client.load = l;
  t.nodes = {db, api, client};
  const auto est = estimate_cpu(t, false);
  // db: 200 req/s x (2 ms + overhead) = 0.408 cores (under its 0.5 limit);
  // api: 400 x 40 us; the client 400 x 30 us.
  EXPECT_NEAR(est.cores, 200 * (0.002 + kServeOverheadS) + 400 * kServeOverheadS + 400 * kClientOverheadS, 1e-9);
  t.nodes[0].cpu_millicores = 100;
  EXPECT_NEAR(estimate_cpu(t, false).cores, 0.1 + 400 * kServeOverheadS + 400 * kClientOverheadS, 1e-9)
      << "a cgroup limit caps the node's use";
  EXPECT_GT(estimate_cpu(t, true).cores, estimate_cpu(t, false).cores) << "the link engine costs CPU too";
}

TEST(Expectations, EachKindOfExpectationAgainstMeasuredValues) {
  model::Topology t;
  model::Node n{};
  n.name = "api";
  model::Service s;
  s.name = "api";
  s.port = 80;
  s.endpoints = {model::Endpoint{}};
  n.services = {s};
  t.nodes = {n};
  analysis::Result a;
  a.recovered = true;
  a.recovery_s = 12;
  a.collapsed = false;
  a.max_amplification = 3.5;
  a.blast_radius = 0.5;
  SeriesStore store;
  for (size_t i = 0; i < 10; ++i) store.set(i, {"api", "api", "goodput_rps"}, i < 5 ? 100 : 40);
  PhaseTicks ph{0, 5, 5, 10, 10};
  model::Expect ex;
  ex.recovers_within_ns = 10 * kS;   // 12 s: fails
  ex.collapse = false;               // holds
  ex.max_amplification = 4;          // holds
  ex.max_blast_radius_ppm = 250'000; // 50%: fails
  model::Check c;
  c.name = "goodput holds";
  c.metric = "goodput";
  c.service = "api";
  c.aggregate = "mean";
  c.phase = "fault";
  c.op = ">=";
  c.threshold = 50;  // 40: fails
  model::Check c2 = c;
  c2.name = "baseline";
  c2.phase = "baseline";  // 100: holds
  model::Check c3 = c;
  c3.name = "bogus";
  c3.metric = "no_such_metric";
  ex.checks = {c, c2, c3};
  const auto v = evaluate(t, ex, a, store, ph, 30);
  ASSERT_EQ(v.size(), 7u);
  EXPECT_FALSE(v[0].passed);
  EXPECT_DOUBLE_EQ(*v[0].measured, 12);
  EXPECT_TRUE(v[1].passed);
  EXPECT_TRUE(v[2].passed);
  EXPECT_FALSE(v[3].passed);
  EXPECT_FALSE(v[4].passed);
  EXPECT_DOUBLE_EQ(*v[4].measured, 40);
  EXPECT_TRUE(v[5].passed);
  EXPECT_DOUBLE_EQ(*v[5].measured, 100);
  EXPECT_FALSE(v[6].passed);
  EXPECT_NE(v[6].detail.find("unknown metric"), std::string::npos);
}

TEST(Compare, MeansAndStudentIntervalsPerVariant) {
  auto summary = [](const std::string& variant, bool collapsed, double ttc, double amp) {
    nlohmann::json s;
    s["experiment"]["variant"] = variant;
    s["verdict"]["collapsed"] = collapsed;
    s["verdict"]["time_to_collapse_s"] = collapsed ? nlohmann::json(ttc) : nlohmann::json(nullptr);
    s["verdict"]["recovered"] = !collapsed;
    s["verdict"]["recovery_s"] = nullptr;
    s["verdict"]["max_amplification"] = amp;
    s["passed"] = !collapsed;
    return s;
  };
  const auto rows = compare_summaries({summary("retry3", true, 4, 60), summary("budget", false, 0, 1.2),
                                       summary("retry3", true, 6, 64), summary("retry3", true, 5, 62)});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].variant, "retry3");
  EXPECT_EQ(rows[0].repeats, 3u);
  EXPECT_EQ(rows[0].collapsed, 3u);
  EXPECT_DOUBLE_EQ(rows[0].time_to_collapse_s.mean, 5);
  // s = 1, n = 3: t(0.975, 2) = 4.303 -> 4.303 / sqrt(3).
  EXPECT_NEAR(*rows[0].time_to_collapse_s.half, 4.303 / std::sqrt(3.0), 1e-9);
  EXPECT_EQ(rows[1].collapsed, 0u);
  EXPECT_EQ(rows[1].time_to_collapse_s.n, 0u);
  EXPECT_FALSE(rows[1].amplification.half.has_value()) << "one run: no interval";
  const std::string table = render_table(rows);
  EXPECT_NE(table.find("retry3"), std::string::npos);
  EXPECT_NE(table.find("3/3"), std::string::npos);
  const std::string csv = render_csv(rows);
  EXPECT_NE(csv.find("budget,1,0,1,1,"), std::string::npos) << csv;
}
