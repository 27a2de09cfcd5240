// Every verdict of the analysis on synthetic series, edge cases included.
#include <gtest/gtest.h>

#include <cmath>

#include "orchestrator/analysis/analysis.hpp"

using namespace faultline::analysis;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// 40 ticks of 1 s: baseline [5, 15), fault [15, 20).
Input chain_input() {
  Input in;
  in.tick_s = 1;
  in.baseline_begin = 5;
  in.baseline_end = 15;
  in.first_fault = 15;
  in.last_fault_end = 20;
  const size_t n = 40;
  in.offered.assign(n, 100);
  in.goodput.assign(n, 100);
  in.p99_s.assign(n, 0.010);
  for (const char* name : {"a", "b", "c"}) {
    ServiceSeries s;
    s.name = name;
    s.goodput.assign(n, 100);
    s.p99_s.assign(n, 0.010);
    in.services.push_back(s);
  }
  in.edges = {{"load:client", "a", Series(n, 100)}, {"a", "b", Series(n, 100)}, {"b", "c", Series(n, 100)}};
  return in;
}

ServiceSeries& svc(Input& in, const std::string& name) {
  for (auto& s : in.services)
    if (s.name == name) return s;
  throw std::logic_error("no service " + name);
}

}  // namespace

TEST(Analysis, PropagationTravelsUpTheChainInOrder) {
  Input in = chain_input();
  // c fails at 15, b degrades (slow) at 17, a at 19; all back at 20.
  for (size_t i = 15; i < 20; ++i) svc(in, "c").goodput[i] = 2;
  for (size_t i = 17; i < 20; ++i) svc(in, "b").p99_s[i] = 0.5;
  for (size_t i = 19; i < 20; ++i) svc(in, "a").goodput[i] = 50;
  const Findings r = analyse(in);
  ASSERT_EQ(r.propagation.size(), 3u);
  EXPECT_EQ(r.propagation[0].service, "c");
  EXPECT_EQ(r.propagation[0].via, "");
  EXPECT_EQ(r.propagation[1].service, "b");
  EXPECT_EQ(r.propagation[1].via, "c");
  EXPECT_DOUBLE_EQ(r.propagation[1].after_fault_s, 2);
  EXPECT_EQ(r.propagation[2].service, "a");
  EXPECT_EQ(r.propagation[2].hops, 2);
  EXPECT_FALSE(r.propagation[1].same_tick || r.propagation[2].same_tick) << "each measured in a tick of its own";
  ASSERT_TRUE(r.hops_per_s.has_value());
  EXPECT_DOUBLE_EQ(*r.hops_per_s, 2.0 / 4.0);
  EXPECT_DOUBLE_EQ(r.blast_radius, 1.0);
  EXPECT_EQ(r.health.at("c")[15], Health::kFailed);
  EXPECT_EQ(r.health.at("b")[17], Health::kDegraded) << "p99 above 2x baseline";
  EXPECT_EQ(r.health.at("a")[14], Health::kHealthy);
  EXPECT_FALSE(r.collapsed) << "system goodput never fell";
  EXPECT_TRUE(r.recovered);
  EXPECT_DOUBLE_EQ(*r.recovery_s, 0);
}

TEST(Analysis, CollapseIsTimedFromTheFirstFaultAndRecoveryNeedsAWholeWindow) {
  Input in = chain_input();
  for (size_t i = 18; i < 24; ++i) in.goodput[i] = 5;   // < 10% of 100 offered from 18
  for (size_t i = 24; i < 26; ++i) in.goodput[i] = 99;  // two good ticks: not a window
  in.goodput[26] = 50;
  const Findings r = analyse(in);
  EXPECT_TRUE(r.collapsed);
  EXPECT_DOUBLE_EQ(*r.time_to_collapse_s, 3);
  EXPECT_TRUE(r.recovered);
  EXPECT_DOUBLE_EQ(*r.recovery_s, 7) << "first full window of good ticks starts at 27, the fault ended at 20";
}

TEST(Analysis, NeverRecoveringWithOfferedLoadBackIsMetastable) {
  Input in = chain_input();
  for (size_t i = 16; i < 40; ++i) in.goodput[i] = 3;
  const Findings r = analyse(in);
  EXPECT_TRUE(r.collapsed);
  EXPECT_FALSE(r.recovered);
  EXPECT_FALSE(r.recovery_s.has_value());
  EXPECT_TRUE(r.metastable);
  // The same, but the offered load stayed low: not metastable, just not recovered.
  for (size_t i = 20; i < 40; ++i) in.offered[i] = 10;
  const Findings r2 = analyse(in);
  EXPECT_FALSE(r2.recovered);
  EXPECT_FALSE(r2.metastable);
}

TEST(Analysis, RecoveryAfterTheHorizonIsNotRecovery) {
  // The fault ends at 20 and the horizon is 8 ticks; the system is back
  // only from 30, long before the run ends at 40.
  Input in = chain_input();
  for (size_t i = 16; i < 30; ++i) in.goodput[i] = 3;
  const Findings without = analyse(in);
  ASSERT_TRUE(without.recovered) << "no horizon given: judged to the end";
  EXPECT_DOUBLE_EQ(*without.recovery_s, 10);
  in.horizon_end = 28;
  const Findings r = analyse(in);
  EXPECT_FALSE(r.recovered);
  EXPECT_FALSE(r.recovery_s.has_value());
  EXPECT_TRUE(r.metastable) << "offered load was back all through the horizon";
  in.horizon_end = 35;  // the window [30, 35) ends within it
  const Findings r2 = analyse(in);
  EXPECT_TRUE(r2.recovered);
  EXPECT_DOUBLE_EQ(*r2.recovery_s, 10);
}

TEST(Analysis, AFlappingSystemDoesNotCountAsRecovered) {
  Input in = chain_input();
  for (size_t i = 20; i < 40; ++i) in.goodput[i] = i % 2 ? 100 : 40;
  const Findings r = analyse(in);
  EXPECT_FALSE(r.recovered);
  EXPECT_TRUE(r.metastable);
}

TEST(Analysis, NoBaselineMeansUnknownHealthNotDegraded) {
  Input in = chain_input();
  auto& c = svc(in, "c");
  for (size_t i = 0; i < 40; ++i) c.goodput[i] = i < 15 ? 0 : 100;
  for (size_t i = 0; i < 40; ++i) c.p99_s[i] = kNaN;
  const Findings r = analyse(in);
  EXPECT_FALSE(r.baselines.at("c").valid);
  EXPECT_EQ(r.health.at("c")[30], Health::kUnknown);
  EXPECT_TRUE(r.propagation.empty());
  EXPECT_DOUBLE_EQ(r.blast_radius, 0);
}

TEST(Analysis, NoFaultNoVerdicts) {
  Input in = chain_input();
  in.first_fault.reset();
  in.last_fault_end.reset();
  for (size_t i = 30; i < 40; ++i) in.goodput[i] = 0;
  const Findings r = analyse(in);
  EXPECT_FALSE(r.collapsed);
  EXPECT_TRUE(r.propagation.empty());
  EXPECT_TRUE(r.baselines.at("a").valid) << "baselines are still computed";
}

TEST(Analysis, AmplificationPerEdgeAndTier) {
  Input in = chain_input();
  for (size_t i = 15; i < 20; ++i) {
    in.edges[1].attempts[i] = 400;   // a -> b: 4 attempts per organic request
    in.edges[2].attempts[i] = 1600;  // b -> c: 16
  }
  in.edges[2].attempts[17] = 3200;
  const Findings r = analyse(in);
  ASSERT_EQ(r.amplification.size(), 3u);
  EXPECT_EQ(r.amplification[2].tier, 3);
  EXPECT_DOUBLE_EQ(r.amplification[1].during_fault, 4);
  EXPECT_DOUBLE_EQ(r.amplification[2].during_fault, (1600 * 4 + 3200) / 5.0 / 100);
  EXPECT_DOUBLE_EQ(r.amplification[2].peak, 32);
  EXPECT_DOUBLE_EQ(r.tier_amplification.at(1), 1);
  EXPECT_DOUBLE_EQ(r.max_amplification, r.tier_amplification.at(3));
}

TEST(Analysis, ControlsThatEngageAfterTheServiceDegradedAreOutpaced) {
  Input in = chain_input();
  auto& b = svc(in, "b");
  for (size_t i = 16; i < 20; ++i) b.goodput[i] = 10;  // degraded at 16
  b.breaker_open.assign(40, 0);
  for (size_t i = 18; i < 25; ++i) b.breaker_open[i] = 1;  // opens at 18: too late
  b.shed.assign(40, 0);
  for (size_t i = 15; i < 20; ++i) b.shed[i] = 30;  // sheds from 15: ahead of it
  const Findings r = analyse(in);
  ASSERT_EQ(r.controls.size(), 2u);
  EXPECT_EQ(r.controls[0].control, "breaker");
  EXPECT_DOUBLE_EQ(*r.controls[0].engaged_s, 3);
  EXPECT_DOUBLE_EQ(*r.controls[0].degraded_s, 1);
  EXPECT_TRUE(r.controls[0].outpaced);
  EXPECT_EQ(r.controls[1].control, "shedding");
  EXPECT_FALSE(r.controls[1].outpaced);
}

TEST(Analysis, PercentileAndMeanSkipMissingTicks) {
  const Series s = {1, kNaN, 3, 2, kNaN, 4};
  EXPECT_DOUBLE_EQ(mean(s, 0, s.size()), 2.5);
  EXPECT_DOUBLE_EQ(percentile(s, 0, s.size(), 0.5), 2);
  EXPECT_DOUBLE_EQ(percentile(s, 0, s.size(), 1.0), 4);
  EXPECT_TRUE(std::isnan(mean(s, 1, 2)));
}

TEST(Analysis, WithinOneTickServicesNearerTheFaultDegradedFirst) {
  Input in = chain_input();
  for (const char* n : {"a", "b", "c"})
    for (size_t i = 15; i < 20; ++i) svc(in, n).goodput[i] = 1;
  in.origins = {"c"};
  const Findings r = analyse(in);
  ASSERT_EQ(r.propagation.size(), 3u);
  EXPECT_EQ(r.propagation[0].service, "c");
  EXPECT_EQ(r.propagation[1].service, "b");
  EXPECT_EQ(r.propagation[2].service, "a");
  EXPECT_EQ(r.propagation[2].via, "b");
  EXPECT_FALSE(r.hops_per_s.has_value()) << "no time between them at this tick";
  // The order within the tick is inferred, and says so.
  EXPECT_FALSE(r.propagation[0].same_tick);
  EXPECT_TRUE(r.propagation[1].same_tick);
  EXPECT_TRUE(r.propagation[2].same_tick);
}

TEST(Analysis, AServiceThatStopsAnsweringScrapesIsDegraded) {
  Input in = chain_input();
  // c (the fault's target) is starved: its scrapes fail from 15 to 19, so
  // its rates are missing there; b's p99 rises in the same first tick.
  for (auto& s : in.services) s.up.assign(40, 1);
  for (size_t i = 15; i < 20; ++i) {
    svc(in, "c").up[i] = 0;
    svc(in, "c").goodput[i] = kNaN;
    svc(in, "c").p99_s[i] = kNaN;
    svc(in, "b").p99_s[i] = 0.9;
  }
  in.origins = {"c"};
  Findings r = analyse(in);
  EXPECT_EQ(r.health.at("c")[15], Health::kDegraded) << "unresponsive";
  EXPECT_EQ(r.health.at("c")[20], Health::kHealthy);
  ASSERT_EQ(r.propagation.size(), 2u);
  EXPECT_EQ(r.propagation[0].service, "c");
  EXPECT_EQ(r.propagation[1].service, "b");
  // The same gap without the scrape record (older results): unknown, so c is
  // missed and b looks first; this is what the record fixes.
  for (auto& s : in.services) s.up.clear();
  r = analyse(in);
  EXPECT_EQ(r.health.at("c")[15], Health::kUnknown);
  ASSERT_EQ(r.propagation.size(), 1u);
  EXPECT_EQ(r.propagation[0].service, "b");
  // No baseline: unresponsive or not, nothing to judge against.
  in = chain_input();
  for (auto& s : in.services) s.up.assign(40, 0);
  svc(in, "a").goodput.assign(40, kNaN);
  r = analyse(in);
  EXPECT_EQ(r.health.at("a")[16], Health::kUnknown);
}

TEST(Analysis, RecoveryJudgesTheWindowNotEachNoisyTick) {
  Input in = chain_input();
  for (size_t i = 15; i < 20; ++i) in.goodput[i] = 5;
  // Poisson-like noise around the baseline after the fault: single ticks dip
  // below 95%, the window's mean does not.
  const double after[] = {92, 104, 97, 101, 99, 93, 106, 100, 98, 102};
  for (size_t i = 0; i < 10; ++i) in.goodput[20 + i] = after[i];
  const Findings r = analyse(in);
  EXPECT_TRUE(r.recovered);
  EXPECT_DOUBLE_EQ(*r.recovery_s, 0);
}

TEST(Analysis, RecoveryIsJudgedAgainstTheLoadOfferedThenAndTheBaselinesWorstP99) {
  Input in = chain_input();
  // A Poisson load's baseline drew high (66/s on a 60/s rate) and its p99s
  // spread from 1 to 4 ms; after the fault everything offered is served
  // (55/s of 55/s) at 3 ms: recovered.
  for (size_t i = 0; i < 40; ++i) {
    const double off = i < 15 ? 66 : 55;
    in.offered[i] = off;
    in.goodput[i] = off;
    in.p99_s[i] = i < 15 ? (i % 3 == 0 ? 0.004 : 0.001) : 0.003;
  }
  for (size_t i = 15; i < 20; ++i) in.goodput[i] = 0;
  Findings r = analyse(in);
  EXPECT_TRUE(r.recovered);
  EXPECT_DOUBLE_EQ(*r.recovery_s, 0);
  // Serving 90% of what is offered is not recovered, whatever the baseline drew.
  for (size_t i = 20; i < 40; ++i) in.goodput[i] = 0.9 * in.offered[i];
  r = analyse(in);
  EXPECT_FALSE(r.recovered);
  EXPECT_FALSE(r.metastable) << "the offered load is not back at its baseline (55 vs 66/s: 17% off)";
}
