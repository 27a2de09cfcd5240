// SPDX-License-Identifier: Apache-2.0
// The pure parts of the experiment runner: the fault timeline, ramps of
// impairments, expectations and the comparison table.
#include <gtest/gtest.h>

#include <cmath>

#include "orchestrator/experiment/compare.hpp"
#include "orchestrator/experiment/expectations.hpp"
#include "orchestrator/experiment/fault_executor.hpp"
#include "orchestrator/experiment/results.hpp"
#include "orchestrator/experiment/timeline.hpp"
#include "orchestrator/experiment/totals.hpp"
#include "orchestrator/model/check_metrics.hpp"
#include "orchestrator/model/loader.hpp"
#include "tests/support/chain_topology.hpp"
#include "workloads/trace/span.hpp"

using namespace faultline::model::literals;

using namespace faultline;
using namespace faultline::experiment;

namespace {

constexpr int64_t kS = 1'000'000'000;

model::Fault fault_at(int64_t at, int64_t dur) {
  model::Fault f;
  f.at_ns = at;
  f.for_ns = dur;
  f.target.kind = model::FaultTarget::Kind::kNode;
  f.target.node = "db"_node;
  f.cpu_millicores = 200;
  return f;
}

}  // namespace

TEST(Timeline, AppliesAndRevertsInTimeOrderRevertsFirstAtEqualTimes) {
  model::Topology t;
  t.experiment.duration_ns = 50 * kS;
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
  // `for` = 0: until `duration` (the horizon, to 60 s, comes after it).
  EXPECT_EQ(steps[5].t_ns, 50 * kS);
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
  EXPECT_EQ(fault_end_ns(r, 60 * kS), 12 * kS) << "a restart is over once done";
  EXPECT_EQ(fault_end_ns(f, 60 * kS), 30 * kS);
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

TEST(Expectations, EachKindOfExpectationAgainstMeasuredValues) {
  model::Topology t;
  model::Node n{};
  n.name = "api"_node;
  model::Service s;
  s.name = "api";
  s.port = 80;
  s.endpoints = {model::Endpoint{}};
  n.services = {s};
  t.nodes = {n};
  analysis::Findings a;
  a.recovered = true;
  a.recovery_s = 12;
  a.collapsed = false;
  a.max_cumulative_amplification = 3.5;
  a.blast_radius = 0.5;
  SeriesStore store;
  for (size_t i = 0; i < 10; ++i) store.set(i, {"api", "api", "goodput_rps"}, i < 5 ? 100 : 40);
  PhaseTicks ph{0, 5, 5, 10, 10};
  model::Expect ex;
  ex.recovers_within_ns = 10 * kS;   // 12 s: fails
  ex.collapse = false;               // holds
  ex.max_cumulative_amplification = 4;  // holds
  ex.max_blast_radius_ppm = 250'000; // 50%: fails
  model::Check c;
  c.name = "goodput holds";
  c.metric = "goodput";
  c.service = "api";
  c.aggregate = model::Aggregate::kMean;
  c.phase = model::Phase::kFault;
  c.op = model::CompareOp::kGe;
  c.threshold = 50;  // 40: fails
  model::Check c2 = c;
  c2.name = "baseline";
  c2.phase = model::Phase::kBaseline;  // 100: holds
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
    s["verdict"]["max_cumulative_amplification"] = amp;
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

TEST(Compare, SharesHaveWilsonIntervalsAndInterruptedRunsAreLeftOut) {
  // Wilson 95% for 3/10: 0.108 to 0.603 (textbook value); 0/5 still has an
  // upper bound, 5/5 a lower one.
  const Share s = share(3, 10);
  EXPECT_NEAR(s.lo, 0.1078, 1e-3);
  EXPECT_NEAR(s.hi, 0.6032, 1e-3);
  EXPECT_DOUBLE_EQ(share(0, 5).lo, 0);
  EXPECT_NEAR(share(0, 5).hi, 0.4345, 1e-3);
  EXPECT_NEAR(share(5, 5).lo, 0.5655, 1e-3);
  EXPECT_EQ(share(3, 10).str(), "3/10 (11-60%)");
  auto summary = [](bool collapsed, bool interrupted) {
    nlohmann::json s;
    s["experiment"]["variant"] = "v";
    s["experiment"]["interrupted"] = interrupted;
    s["verdict"]["collapsed"] = collapsed;
    s["verdict"]["time_to_collapse_s"] = collapsed ? nlohmann::json(2.0) : nlohmann::json(nullptr);
    return s;
  };
  const auto rows = compare_summaries({summary(true, false), summary(false, false), summary(true, true)});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].repeats, 2u);
  EXPECT_EQ(rows[0].interrupted, 1u);
  EXPECT_EQ(rows[0].collapsed, 1u);
  const std::string table = render_table(rows);
  EXPECT_NE(table.find("2 (+1 interrupted)"), std::string::npos) << table;
  EXPECT_NE(table.find("2 (1 run)"), std::string::npos) << "a mean over fewer runs says so:\n" << table;
}

// client -> api -> app -> db; api's call has a breaker and a budget, app's
// only retries.
const std::string kChain = std::string("[experiment]\nduration = \"30s\"\n") + faultline::testing::kChainNodes + R"(
[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "app"]
[[link]]
between = ["app", "db"]
)";

TEST(AnalysisInput, RecordsBecomeTriesAndControlsOnlyWhereTheServiceHasThem) {
  // api calls app with a breaker and a budget, app calls db with retries and
  // neither: the analysis must not call app's or db's missing breaker
  // "outpaced". Every bounded queue sheds, so shedding is everyone's.
  auto r = model::load_string(kChain, "controls.toml");
  ASSERT_TRUE(r.topology) << (r.errors.empty() ? "" : r.errors.front().str());
  const auto& topo = *r.topology;
  using workloads::trace::SpanCause;
  using workloads::trace::SpanKind;
  using workloads::trace::SpanRecord;
  const int64_t t0 = 1'000 * kS;  // CLOCK_MONOTONIC at the start
  auto span = [&](SpanKind kind, uint16_t name, double start_s, double end_s, SpanCause cause, uint64_t trace = 0,
                  uint8_t attempts = 0) {
    SpanRecord s;
    s.trace_lo = trace;
    s.attempt = attempts;
    s.kind = kind;
    s.name = name;
    s.span_id = 1;
    s.start_ns = t0 + static_cast<int64_t>(start_s * 1e9);
    s.end_ns = t0 + static_cast<int64_t>(end_s * 1e9);
    s.cause = cause;
    return s;
  };
  std::map<std::string, RecordSource> rec;
  auto& client = rec["load:client"];  // one organic request, trace 5, at 0.9 s
  client.names = {"api:80"};
  client.spans = {span(SpanKind::kCall, 0, 0.9, 1.02, SpanCause::kOk, 5, 1),
                  span(SpanKind::kAttempt, 0, 0.9, 1.02, SpanCause::kOk, 5)};
  auto& api = rec["api"];
  api.names = {"/", "app:80"};
  api.spans = {span(SpanKind::kAttempt, 1, 1.0, 1.01, SpanCause::kOk, 5),
               span(SpanKind::kCall, 1, 2.0, 2.0, SpanCause::kBreakerOpen, 6, 0),
               span(SpanKind::kCall, 1, 2.5, 3.0, SpanCause::kBudgetExhausted, 7, 3),
               span(SpanKind::kRequest, 0, 3.9, 4.0, SpanCause::kShedQueueFull)};
  auto& app = rec["app"];
  app.names = {"db:80", "/"};  // its own order
  app.spans = {span(SpanKind::kAttempt, 0, 2.0, 2.1, SpanCause::kTimeout),
               span(SpanKind::kAttempt, 0, 2.0, 2.05, SpanCause::kCancelled),   // a hedge that lost: not db's doing
               span(SpanKind::kAttempt, 0, 2.2, 2.21, SpanCause::kHttp4xx),    // answered: db did its part
               span(SpanKind::kCall, 0, 2.3, 2.3, SpanCause::kBreakerOpen)};   // app has no breaker: ignored
  app.open = {span(SpanKind::kAttempt, 0, 3.5, 4.0, SpanCause::kOk)};
  SeriesStore store;
  for (size_t i = 0; i < 4; ++i) store.set(i, {"api", "api->app", "attempts_rps"}, 1);
  const Schedule sched{true, 1 * kS, 2 * kS, 30 * kS};
  const auto in = analysis_input(topo, store, PhaseTicks{0, 1, 1, 2, 3, 4}, sched, RequestData{&rec, t0, 4.0});
  ASSERT_EQ(in.services.size(), 3u);
  std::map<std::string, const analysis::ServiceInput*> s;
  for (const auto& x : in.services) s[x.name] = &x;
  EXPECT_EQ(s["api"]->controls.size(), 3u);
  EXPECT_EQ(s["api"]->controls.at("breaker"), std::vector<double>{2.0});
  EXPECT_EQ(s["api"]->controls.at("retry budget"), std::vector<double>{3.0});
  EXPECT_EQ(s["api"]->controls.at("shedding"), std::vector<double>{4.0});
  EXPECT_EQ(s["app"]->controls.size(), 1u) << "app has no breaker or budget";
  EXPECT_TRUE(s["app"]->controls.at("shedding").empty());
  ASSERT_EQ(s["app"]->tries.size(), 1u);
  EXPECT_TRUE(s["app"]->tries[0].ok);
  ASSERT_EQ(s["db"]->tries.size(), 3u) << "timeout, 4xx and the open one; not the cancelled hedge";
  EXPECT_FALSE(s["db"]->tries[0].ok);
  EXPECT_DOUBLE_EQ(s["db"]->tries[0].start_s, 2.0);
  EXPECT_TRUE(s["db"]->tries[1].ok);
  EXPECT_TRUE(s["db"]->tries[2].open);
  EXPECT_EQ(s["db"]->slo_p99_s, std::optional<double>(0.04)) << "db's own SLO";
  EXPECT_FALSE(s["api"]->slo_p99_s);
  for (const auto& e : in.edges) {
    if (e.caller == "app") {
      EXPECT_EQ(e.tries.size(), 3u);
    } else if (e.caller == "api") {
      EXPECT_EQ(e.tries.size(), 1u);
      EXPECT_EQ(e.attempts.size(), 4u);
      ASSERT_EQ(e.call_attempts.size(), 2u) << "each call with the attempts it sent";
      EXPECT_EQ(e.call_attempts[1].attempts, 3u);
      ASSERT_EQ(e.request_attempts.size(), 1u) << "only trace 5 is an organic request";
      EXPECT_DOUBLE_EQ(e.request_attempts[0].start_s, 0.9) << "counted at its organic request's start";
      EXPECT_EQ(e.request_attempts[0].attempts, 1u);
    } else {
      EXPECT_EQ(e.caller, "load:client");
      EXPECT_EQ(e.tries.size(), 1u);
      EXPECT_EQ(e.call_attempts.size(), 1u);
    }
  }
  EXPECT_EQ(in.organic_starts_s, std::vector<double>{0.9});
  EXPECT_EQ(in.horizon_end, 3u);
  EXPECT_DOUBLE_EQ(*in.first_fault_s, 1.0);
  EXPECT_DOUBLE_EQ(in.horizon_end_s, 4.0) << "the horizon (32 s) is past the records' end";
}

TEST(Totals, EverySeriesACheckMayNameIsRecordedForTheSystemAndItsServices) {
  // The raw figures the collector records for one tick (collector.cpp), then
  // what derive_totals adds: every metric the loader accepts in a check must
  // then have a value where series_for looks, or a check on it could only
  // ever say "no value measured".
  auto r = model::load_string(kChain, "chain.toml");
  ASSERT_TRUE(r.topology) << (r.errors.empty() ? "" : r.errors.front().str());
  const auto& topo = *r.topology;
  TotalsInput in;
  SeriesStore store;
  for (const char* n : {"api", "app", "db"}) {
    in.services.push_back({n, n});
    for (const char* m : {"goodput_rps", "errors_rps", "requests_rps", "p50_s", "p99_s", "queue_depth", "inflight",
                          "shed_rps", "retries_refused_rps", "breaker_open", "up"})
      store.set(0, {n, n, m}, 2);
  }
  in.loads.push_back({"client", "load:client"});
  for (const char* m : {"offered_rps", "goodput_rps", "attempts_rps", "errors_rps", "p50_s", "p99_s"})
    store.set(0, {"client", "load:client", m}, 3);
  for (const char* n : {"client", "api", "app", "db"}) {
    in.nodes.push_back(n);
    for (const char* m : {"cpu_cores", "cpu_throttled_s", "memory_bytes", "oom_kills"}) store.set(0, {n, "", m}, 5);
  }
  in.edges = {{"load:client", "client", "load:client->api"}, {"api", "api", "api->app"}, {"app", "app", "app->db"}};
  store.set(0, {"client", "load:client->api", "attempts_rps"}, 3);
  for (const auto& [node, series] : {std::pair{"api", "api->app"}, std::pair{"app", "app->db"}}) {
    store.set(0, {node, series, "attempts_rps"}, 7);
    store.set(0, {node, series, "calls_rps"}, 6);
  }
  for (const auto& f : derive_totals(store, 0, in)) store.set(0, f.key, f.value);

  for (const auto& m : model::check_series()) {
    for (const std::string who : {"", "api", "db"}) {
      const auto key = series_for(topo, m.name, who);
      if (!who.empty() && !m.per_service) {
        EXPECT_FALSE(key) << m.name << " of " << who;
        continue;
      }
      ASSERT_TRUE(key) << m.name << " of " << (who.empty() ? "the system" : who);
      const auto& s = store.get(*key);
      EXPECT_TRUE(!s.empty() && std::isfinite(s[0])) << m.name << " of " << (who.empty() ? "the system" : who)
                                                     << " is not recorded";
    }
  }
  // Sums and worst values.
  EXPECT_EQ(store.get({"", "system", "shed_rps"})[0], 6);
  EXPECT_EQ(store.get({"", "system", "cpu_cores"})[0], 20);
  EXPECT_EQ(store.get({"", "system", "calls_rps"})[0], 12);
  EXPECT_EQ(store.get({"api", "api", "attempts_rps"})[0], 7);
  EXPECT_EQ(store.get({"", "system", "attempts_rps"})[0], 3) << "the system's attempts are its clients'";
  EXPECT_EQ(store.get({"", "system", "p99_s"})[0], 3);
}

TEST(Expectations, AWindowChecksTheTicksWithinIt) {
  model::Topology topo;
  SeriesStore store;
  for (size_t i = 0; i < 10; ++i) store.set(i, {"", "system", "goodput_rps"}, static_cast<double>(i));
  model::Expect ex;
  model::Check c;
  c.name = "window";
  c.metric = "goodput";
  c.aggregate = model::Aggregate::kMean;
  c.op = model::CompareOp::kGe;
  c.threshold = 4;
  c.from_ns = 2 * kS;  // ticks ending in (2 s, 5 s] at 1 s: 3, 4, 5
  c.to_ns = 5 * kS;
  ex.checks = {c};
  PhaseTicks ph;
  ph.end = 10;
  ph.tick_s = 1;
  const auto v = evaluate(topo, ex, analysis::Findings{}, store, ph, 10);
  ASSERT_EQ(v.size(), 1u);
  ASSERT_TRUE(v[0].measured);
  EXPECT_DOUBLE_EQ(*v[0].measured, 4);
  EXPECT_TRUE(v[0].passed);
  EXPECT_NE(v[0].detail.find("from 2 s to 5 s"), std::string::npos) << v[0].detail;
}
