// SPDX-License-Identifier: Apache-2.0
// Every verdict of the analysis on synthetic series and request streams,
// edge cases included. (Health from requests itself: test_requests.cpp.)
#include <gtest/gtest.h>

#include <cmath>

#include "orchestrator/analysis/analysis.hpp"

using namespace faultline::analysis;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A call edge with n ticks of 100 attempts and calls per second.
EdgeInput edge_of(const std::string& caller, const std::string& callee, size_t n) {
  EdgeInput e;
  e.caller = caller;
  e.callee = callee;
  e.attempts.assign(n, 100);
  e.calls.assign(n, 100);
  return e;
}

// 40 ticks of 1 s: baseline [5, 15), fault [15, 20). A chain
// load:client -> a -> b -> c.
Input chain_input() {
  Input in;
  in.tick_s = 1;
  in.baseline_begin = 5;
  in.baseline_end = 15;
  in.first_fault = 15;
  in.last_fault_end = 20;
  in.baseline_begin_s = 5;
  in.baseline_end_s = 15;
  in.first_fault_s = 15;
  in.last_fault_end_s = 20;
  in.end_s = 40;
  in.horizon_end_s = 40;
  const size_t n = 40;
  in.offered.assign(n, 100);
  in.goodput.assign(n, 100);
  in.p99_s.assign(n, 0.010);
  for (const char* name : {"a", "b", "c"}) in.services.push_back({name, {}, std::nullopt, {}});
  in.edges = {edge_of("load:client", "a", n), edge_of("a", "b", n), edge_of("b", "c", n)};
  return in;
}

ServiceInput& svc(Input& in, const std::string& name) {
  for (auto& s : in.services)
    if (s.name == name) return s;
  throw std::logic_error("no service " + name);
}

EdgeInput& edge(Input& in, const std::string& caller, const std::string& callee) {
  for (auto& e : in.edges)
    if (e.caller == caller && e.callee == callee) return e;
  throw std::logic_error("no edge " + caller + "->" + callee);
}

// Tries every 5 ms from 0 to `until`, answered in 2 ms; from `fail_at` on
// they fail at once (refused).
std::vector<Try> tries(double fail_at, double until = 40) {
  std::vector<Try> out;
  for (double t = 0.0025; t < until; t += 0.005) {
    const bool ok = t < fail_at;
    out.push_back({t, t + (ok ? 0.002 : 0.0001), ok, false});
  }
  return out;
}

// The callee's tries are its callers': set both the service's and the edge's.
void calls_into(Input& in, const std::string& caller, const std::string& callee, std::vector<Try> t) {
  edge(in, caller, callee).tries = t;
  auto& s = svc(in, callee).tries;
  s.insert(s.end(), t.begin(), t.end());
}

double svc_onset(const Findings& r, const std::string& name) {
  const auto& h = r.services.at(name).health;
  return h.onset_s ? *h.onset_s : kNaN;
}

}  // namespace

TEST(Analysis, PropagationIsOrderedByOnsetWithTheCallItCameThrough) {
  Input in = chain_input();
  // c fails at 15.000, b at 15.010 (its calls to c fail), a at 15.300.
  calls_into(in, "b", "c", tries(15.000));
  calls_into(in, "a", "b", tries(15.010));
  calls_into(in, "load:client", "a", tries(15.300));
  const Findings r = analyse(in);
  ASSERT_EQ(r.propagation.size(), 3u);
  EXPECT_EQ(r.propagation[0].service, "c");
  EXPECT_EQ(r.propagation[0].via, "");
  EXPECT_EQ(r.propagation[0].hops, 0);
  EXPECT_NEAR(r.propagation[0].after_fault_s, 0.0, 0.006);
  EXPECT_EQ(r.propagation[1].service, "b");
  EXPECT_EQ(r.propagation[1].via, "c");
  EXPECT_EQ(r.propagation[1].via_edge, "b->c");
  EXPECT_NEAR(r.propagation[1].after_fault_s, 0.010, 0.006);
  EXPECT_TRUE(r.propagation[1].simultaneous) << "10 ms apart: within the 50 ms resolution";
  EXPECT_EQ(r.propagation[2].service, "a");
  EXPECT_EQ(r.propagation[2].via, "b");
  EXPECT_EQ(r.propagation[2].hops, 2);
  EXPECT_NEAR(r.propagation[2].after_fault_s, 0.300, 0.006);
  EXPECT_FALSE(r.propagation[2].simultaneous);
  ASSERT_TRUE(r.hops_per_s);
  EXPECT_NEAR(*r.hops_per_s, 2 / 0.300, 0.2);
  EXPECT_DOUBLE_EQ(r.blast_radius, 1.0);
  EXPECT_DOUBLE_EQ(r.propagation[0].resolution_s, 0.05);
}

TEST(Analysis, ACallerSeenFailingJustBeforeItsCalleeComesAfterItAndFailedThroughIt) {
  // b's tries fail from 15.000, its calls to c from 15.005: b's onset is 5 ms
  // before c's (a caller's request starts before the call it makes). Within
  // the resolution, the callee is the origin and b was reached through it.
  Input in = chain_input();
  calls_into(in, "b", "c", tries(15.005));
  calls_into(in, "a", "b", tries(15.000));
  calls_into(in, "load:client", "a", tries(15.300));
  const Findings r = analyse(in);
  ASSERT_EQ(r.propagation.size(), 3u);
  ASSERT_LT(svc_onset(r, "b"), svc_onset(r, "c")) << "the case this test is about";
  EXPECT_EQ(r.propagation[0].service, "c");
  EXPECT_EQ(r.propagation[0].via, "");
  EXPECT_EQ(r.propagation[0].hops, 0);
  EXPECT_EQ(r.propagation[1].service, "b");
  EXPECT_EQ(r.propagation[1].via, "c");
  EXPECT_EQ(r.propagation[1].via_edge, "b->c");
  EXPECT_TRUE(r.propagation[1].simultaneous);
  EXPECT_EQ(r.propagation[2].service, "a");
  EXPECT_EQ(r.propagation[2].via, "b");
  EXPECT_EQ(r.propagation[2].hops, 2);
  // Two hops: a seen failing first, then b, then c, all within the
  // resolution: c, b, a all the same.
  Input two = chain_input();
  calls_into(two, "b", "c", tries(15.020));
  calls_into(two, "a", "b", tries(15.010));
  calls_into(two, "load:client", "a", tries(15.000));
  const Findings far = analyse(two);
  ASSERT_EQ(far.propagation.size(), 3u);
  ASSERT_LT(svc_onset(far, "a"), svc_onset(far, "c"));
  EXPECT_EQ(far.propagation[0].service, "c");
  EXPECT_EQ(far.propagation[1].service, "b");
  EXPECT_EQ(far.propagation[2].service, "a");
  EXPECT_EQ(far.propagation[2].via, "b");
  // Further apart than the resolution, time orders them whatever the graph.
  in.th.onset_resolution_s = 0.001;
  const Findings fine = analyse(in);
  ASSERT_EQ(fine.propagation.size(), 3u);
  EXPECT_EQ(fine.propagation[0].service, "b");
  EXPECT_EQ(fine.propagation[0].via, "");
  EXPECT_EQ(fine.propagation[1].service, "c");
}

TEST(Analysis, OnsetsWithinTheResolutionAreSimultaneousAndGiveNoSpeed) {
  Input in = chain_input();
  calls_into(in, "b", "c", tries(15.000));
  calls_into(in, "a", "b", tries(15.020));
  calls_into(in, "load:client", "a", tries(15.040));
  Findings r = analyse(in);
  ASSERT_EQ(r.propagation.size(), 3u);
  EXPECT_TRUE(r.propagation[1].simultaneous);
  EXPECT_TRUE(r.propagation[2].simultaneous);
  EXPECT_FALSE(r.hops_per_s) << "no time between them beyond the resolution";
  // A finer resolution separates them.
  in.th.onset_resolution_s = 0.005;
  r = analyse(in);
  EXPECT_FALSE(r.propagation[1].simultaneous);
  ASSERT_TRUE(r.hops_per_s);
  EXPECT_NEAR(*r.hops_per_s, 2 / 0.040, 5);
}

TEST(Analysis, ServicesLeftWithoutRequestsAreIdleNotDegraded) {
  // A gateway g calls x, then y and z only after x answered; x fails at 15:
  // y and z are asked nothing from then on. One of three degraded, not all.
  Input in = chain_input();
  in.services = {{"g", {}, std::nullopt, {}}, {"x", {}, std::nullopt, {}}, {"y", {}, std::nullopt, {}},
                 {"z", {}, std::nullopt, {}}};
  in.edges = {edge_of("g", "x", 0), edge_of("g", "y", 0), edge_of("g", "z", 0)};
  calls_into(in, "g", "x", tries(15.0));
  calls_into(in, "g", "y", tries(99, 15.0));
  calls_into(in, "g", "z", tries(99, 15.0));
  const Findings r = analyse(in);
  ASSERT_EQ(r.propagation.size(), 1u);
  EXPECT_EQ(r.propagation[0].service, "x");
  EXPECT_DOUBLE_EQ(r.blast_radius, 0.25) << "g was asked nothing: no load generator here";
  const auto& y = r.services.at("y").health.windows;
  EXPECT_EQ(y[200], Health::kIdle);
  EXPECT_EQ(y[100], Health::kHealthy);
  EXPECT_EQ(r.services.at("x").health.windows[200], Health::kFailed);
}

TEST(Analysis, AnExplicitSloIsWhatTriesAreJudgedAgainst) {
  Input in = chain_input();
  // c answers in 2 ms until 15 s, then in 30 ms: within an explicit 50 ms
  // SLO, degraded against the default, 2 x its baseline p99 (4 ms).
  std::vector<Try> t;
  for (double x = 0.0025; x < 40; x += 0.005) t.push_back({x, x + (x < 15 ? 0.002 : 0.030), true, false});
  calls_into(in, "b", "c", t);
  svc(in, "c").slo_p99_s = 0.050;
  Findings r = analyse(in);
  EXPECT_TRUE(r.services.at("c").slo_explicit);
  EXPECT_DOUBLE_EQ(r.services.at("c").slo_s, 0.050);
  EXPECT_TRUE(r.propagation.empty()) << "30 ms is within a 50 ms SLO";
  svc(in, "c").slo_p99_s.reset();
  r = analyse(in);
  EXPECT_NEAR(r.services.at("c").slo_s, 0.004, 1e-9) << "2 x the baseline p99 of 2 ms";
  ASSERT_EQ(r.propagation.size(), 1u);
  EXPECT_NEAR(r.propagation[0].onset_s, 15.004, 0.006) << "the first slow try, once past its SLO";
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

TEST(Analysis, PercentileAndMeanSkipMissingTicks) {
  const Series s = {1, kNaN, 3, 2, kNaN, 4};
  EXPECT_DOUBLE_EQ(mean(s, 0, s.size()), 2.5);
  EXPECT_DOUBLE_EQ(percentile(s, 0, s.size(), 0.5), 2);
  EXPECT_DOUBLE_EQ(percentile(s, 0, s.size(), 1.0), 4);
  EXPECT_TRUE(std::isnan(mean(s, 1, 2)));
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

TEST(Analysis, NoBaselineMeansUnknownHealthNotDegraded) {
  Input in = chain_input();
  // c is asked nothing before the fault: no SLO can be set from a baseline.
  std::vector<Try> t;
  for (double x = 16; x < 40; x += 0.005) t.push_back({x, x + 0.0001, false, false});
  calls_into(in, "b", "c", t);
  const Findings r = analyse(in);
  EXPECT_TRUE(std::isnan(r.services.at("c").slo_s));
  EXPECT_EQ(r.services.at("c").health.windows[300], Health::kUnknown);
  EXPECT_EQ(r.services.at("c").health.windows[100], Health::kIdle);
  EXPECT_TRUE(r.propagation.empty());
  EXPECT_DOUBLE_EQ(r.blast_radius, 0);
}

TEST(Analysis, NoFaultNoVerdicts) {
  Input in = chain_input();
  in.first_fault.reset();
  in.last_fault_end.reset();
  in.first_fault_s.reset();
  calls_into(in, "b", "c", tries(30));
  for (size_t i = 30; i < 40; ++i) in.goodput[i] = 0;
  const Findings r = analyse(in);
  EXPECT_FALSE(r.collapsed);
  EXPECT_TRUE(r.propagation.empty());
  EXPECT_EQ(r.services.at("c").health.windows[350], Health::kFailed) << "health is still judged";
}

TEST(Analysis, AmplificationPerHopAndCumulative) {
  Input in = chain_input();
  // Per organic request: a sends 2 attempts per call to b, and b 3 per call
  // to c; b makes one call per request it serves (2 per organic request).
  for (size_t i = 15; i < 20; ++i) {
    edge(in, "a", "b").calls[i] = 100;
    edge(in, "a", "b").attempts[i] = 200;
    edge(in, "b", "c").calls[i] = 200;
    edge(in, "b", "c").attempts[i] = 600;
  }
  edge(in, "b", "c").attempts[17] = 1200;  // a worse tick
  const Findings r = analyse(in);
  ASSERT_EQ(r.edges.size(), 3u);
  EXPECT_EQ(r.edges[2].tier, 3);
  EXPECT_DOUBLE_EQ(r.edges[0].per_hop, 1);
  EXPECT_DOUBLE_EQ(r.edges[1].per_hop, 2);
  EXPECT_DOUBLE_EQ(r.edges[1].cumulative, 2);
  EXPECT_DOUBLE_EQ(r.edges[2].per_hop, (600 * 4 + 1200) / 5.0 / 200);
  EXPECT_DOUBLE_EQ(r.edges[2].cumulative, (600 * 4 + 1200) / 5.0 / 100);
  EXPECT_DOUBLE_EQ(r.edges[2].per_hop_peak, 6);
  EXPECT_DOUBLE_EQ(r.edges[2].cumulative_peak, 12);
  EXPECT_DOUBLE_EQ(r.max_cumulative_amplification, r.edges[2].cumulative);
  EXPECT_DOUBLE_EQ(r.max_hop_amplification, r.edges[2].per_hop);
}

TEST(Analysis, ControlsAreTimedAgainstTheOnsetWithinItsResolution) {
  Input in = chain_input();
  calls_into(in, "a", "b", tries(16.0));
  auto& b = svc(in, "b");
  b.controls["breaker"] = {10.0, 18.0};    // once before the fault (ignored), then 2 s after the onset
  b.controls["shedding"] = {15.5};         // ahead of it
  b.controls["retry budget"] = {16.02};    // 20 ms after it: simultaneous
  b.controls["unused"] = {};               // configured, never engaged, service degraded
  const Findings r = analyse(in);
  ASSERT_EQ(r.controls.size(), 4u);
  std::map<std::string, ControlTiming> by;
  for (const auto& c : r.controls) by[c.control] = c;
  EXPECT_DOUBLE_EQ(*by["breaker"].engaged_s, 3.0);
  EXPECT_NEAR(*by["breaker"].degraded_s, 1.0, 0.006);
  EXPECT_TRUE(by["breaker"].outpaced);
  EXPECT_FALSE(by["shedding"].outpaced);
  EXPECT_FALSE(by["shedding"].simultaneous);
  EXPECT_TRUE(by["retry budget"].simultaneous);
  EXPECT_FALSE(by["retry budget"].outpaced);
  EXPECT_TRUE(by["unused"].outpaced) << "never engaged while its service degraded";
  EXPECT_FALSE(by["unused"].engaged_s);
}

TEST(Analysis, AmplificationFromRecordsCountsEveryAttemptOfEachCallAndRequest) {
  Input in = chain_input();
  // 100 organic requests per second through the fault [15, 20): a calls b
  // with 2 attempts per call; b serves 2 requests per organic one and calls
  // c with 3 attempts for each: 6 attempts on b->c per organic request.
  for (int k = 0; k < 500; ++k) {
    const double t = 15 + k * 0.01;
    in.organic_starts_s.push_back(t);
    edge(in, "load:client", "a").call_attempts.push_back({t, 1});
    edge(in, "load:client", "a").request_attempts.push_back({t, 1});
    edge(in, "a", "b").call_attempts.push_back({t + 0.001, 2});
    edge(in, "a", "b").request_attempts.push_back({t, 2});
    edge(in, "b", "c").call_attempts.push_back({t + 0.002, 3});
    edge(in, "b", "c").call_attempts.push_back({t + 0.003, 3});
    edge(in, "b", "c").request_attempts.push_back({t, 6});
  }
  // A call that started before the fault counts before it, whenever its
  // retries were sent; the series (attempts sent per tick) are not used.
  edge(in, "b", "c").call_attempts.push_back({14.99, 4});
  for (auto& e : in.edges) e.attempts.assign(40, 5000);
  const Findings r = analyse(in);
  ASSERT_EQ(r.edges.size(), 3u);
  EXPECT_DOUBLE_EQ(r.edges[0].per_hop, 1);
  EXPECT_DOUBLE_EQ(r.edges[1].per_hop, 2);
  EXPECT_DOUBLE_EQ(r.edges[1].cumulative, 2);
  EXPECT_DOUBLE_EQ(r.edges[2].per_hop, 3);
  EXPECT_DOUBLE_EQ(r.edges[2].cumulative, 6);
  EXPECT_DOUBLE_EQ(r.edges[2].per_hop_peak, 3) << "a tick's ratio never exceeds what the retries allow";
  EXPECT_DOUBLE_EQ(r.edges[2].cumulative_peak, 6);
  EXPECT_DOUBLE_EQ(r.max_cumulative_amplification, 6);
  EXPECT_DOUBLE_EQ(r.max_hop_amplification, 3);
}
