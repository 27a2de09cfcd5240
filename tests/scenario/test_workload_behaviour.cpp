// SPDX-License-Identifier: Apache-2.0
// What the workloads exist for, checked end to end in namespaced nodes
// brought up by the CLI: queueing theory holds (Erlang C), retries multiply
// load exactly (4^3) and a retry budget contains it, a breaker opens under a
// real partition and closes after the heal, and a cgroup CPU limit slows a
// CPU-bound service by the factor it should.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "tests/support/cli_run_test.hpp"
#include "tests/workloads/support/node_metrics.hpp"

using namespace faultline;
using namespace faultline::testing;
using measure::histogram_quantile;
using measure::Sample;
using measure::sum;

namespace {

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

// Mean response time of an M/M/c queue (Erlang C): arrival rate lambda,
// service rate mu per server, c servers.
double erlang_c_mean_response(double lambda, double mu, int c) {
  const double a = lambda / mu, rho = a / c;
  double term = 1, series = 0;  // a^k / k!
  for (int k = 0; k < c; ++k) {
    series += term;
    term *= a / (k + 1);
  }
  const double tail = term / (1 - rho);  // a^c / (c! (1 - rho))
  const double p_wait = tail / (series + tail);
  return p_wait / (c * mu - lambda) + 1 / mu;
}

class Workloads : public CliRunTest {};

}  // namespace

TEST(ErlangC, FormulaMatchesATextbookValue) {
  // c = 2, lambda = 1, mu = 1 (a = 1, rho = 0.5): P(wait) = 1/3, W = 1/3/(2-1) + 1 = 4/3.
  EXPECT_NEAR(erlang_c_mean_response(1, 1, 2), 4.0 / 3.0, 1e-12);
}

TEST_F(Workloads, MeanLatencyFollowsErlangC) {
  // c = 4 workers, exponential wall-clock service (20 ms mean, no CPU), Poisson
  // arrivals at utilisation 0.7: lambda = 0.7 * 4 * 50 = 140/s.
  up(R"T(
[[node]]
name = "svc"
[[node.service]]
port = 8080
workers = 4
queue = 10000
wait = "exp(20ms)"

[[node]]
name = "client"
load = { target = "svc:8080", rate = 140, arrival = "poisson", timeout = "30s", connections = 256 }

[[link]]
between = ["client", "svc"]
)T");
  const auto st = state();
  NodeMetrics load(st, "client", 9464);
  ASSERT_TRUE(load.ok());
  sleep_s(3);  // past the start: connections open, queue in its steady state
  const auto a = load.scrape();
  sleep_s(25);
  const auto b = load.scrape();
  const double n = sum(b, "faultline_load_latency_seconds_count") - sum(a, "faultline_load_latency_seconds_count");
  const double total = sum(b, "faultline_load_latency_seconds_sum") - sum(a, "faultline_load_latency_seconds_sum");
  ASSERT_GT(n, 140 * 25 * 0.9) << "the load generator fell short of its rate";
  const double mean = total / n;
  const double predicted = erlang_c_mean_response(140, 50, 4);
  std::printf("M/M/4 at rho 0.7: mean latency %.2f ms, Erlang C predicts %.2f ms (%.0f requests)\n", mean * 1e3,
              predicted * 1e3, n);
  EXPECT_NEAR(mean, predicted, 0.15 * predicted);
}

namespace {

// client -> t1 -> t2 -> t3, t3 always fails; every level retries 3 times at
// once, optionally under a retry budget.
std::string retry_chain(const std::string& budget) {
  const std::string policy = "retries = 3, backoff = \"none\", timeout = \"5s\"" +
                             (budget.empty() ? "" : ", budget = \"" + budget + "\", budget_min = 0");
  return R"T(
[[node]]
name = "t3"
[[node.service]]
port = 8080
error_rate = "100%"

[[node]]
name = "t2"
[[node.service]]
port = 8080
calls = [{ to = "t3:8080", )T" + policy + R"T( }]

[[node]]
name = "t1"
[[node.service]]
port = 8080
calls = [{ to = "t2:8080", )T" + policy + R"T( }]

[[node]]
name = "client"
load = { target = "t1:8080", rate = 40, arrival = "constant", )T" + policy + R"T( }

[[link]]
between = ["client", "t1"]
[[link]]
between = ["t1", "t2"]
[[link]]
between = ["t2", "t3"]
)T";
}

// Attempts that reached t3 per organic request, over a few seconds of load
// that is then stopped and drained.
double last_tier_amplification(CliRunTest& t, const runtime::RunState& st) {
  NodeMetrics load(st, "client", 9464), t3(st, "t3", 8080);
  sleep_s(4);
  EXPECT_TRUE(load.post("/control/rate?value=0"));
  sleep_s(1.5);  // every retry chain has ended: each attempt fails at once
  const double offered = sum(load.scrape(), "faultline_load_offered_total");
  const double reached = sum(t3.scrape(), "faultline_requests_total");
  EXPECT_GT(offered, 100) << "too few organic requests to measure";
  (void)t;
  return offered > 0 ? reached / offered : 0;
}

}  // namespace

TEST_F(Workloads, RetriesAtEveryTierMultiplyLoad64Fold) {
  up(retry_chain(""));
  const double amp = last_tier_amplification(*this, state());
  std::printf("3 retries at 3 levels: %.2f attempts at the last tier per organic request (4^3 = 64)\n", amp);
  EXPECT_NEAR(amp, 64, 64 * 0.05);
}

TEST_F(Workloads, TenPercentRetryBudgetsContainTheAmplification) {
  up(retry_chain("10%"));
  const double amp = last_tier_amplification(*this, state());
  std::printf("3 retries at 3 levels under 10%% budgets: %.3f attempts at the last tier per organic request\n", amp);
  EXPECT_LE(amp, 1.35);
  EXPECT_GE(amp, 1.0) << "every organic request reaches the last tier once";
}

TEST_F(Workloads, BreakerOpensUnderPartitionAndClosesAfterHeal) {
  up(R"T(
[[node]]
name = "b"
[[node.service]]
port = 8080

[[node]]
name = "a"
[[node.service]]
port = 8080
calls = [{ to = "b:8080", timeout = "100ms", breaker = { consecutive = 5, open = "1s", half_open = 2 } }]

[[node]]
name = "client"
load = { target = "a:8080", rate = 100, arrival = "constant", timeout = "2s" }

[[link]]
between = ["client", "a"]
[[link]]
between = ["a", "b"]
)T");
  const auto st = state();
  NodeMetrics a(st, "a", 8080), b(st, "b", 8080);
  const measure::Labels edge = {{"service", "a"}, {"downstream", "b:8080"}};
  sleep_s(1.5);
  EXPECT_EQ(sum(a.scrape(), "faultline_breaker_state", edge), 0) << "closed while b answers";

  auto r = run_cmd(cli("fault " + run_ + " partition a to b"));
  ASSERT_EQ(r.status, 0) << r.out;
  sleep_s(1.5);
  const auto open1 = a.scrape();
  const double b_served1 = sum(b.scrape(), "faultline_requests_total");
  EXPECT_EQ(sum(open1, "faultline_breaker_state", edge), 1) << "open while b is cut off";
  EXPECT_GE(sum(open1, "faultline_breaker_transitions_total", {{"service", "a"}, {"to", "open"}}), 1);
  sleep_s(0.5);
  const auto open2 = a.scrape();
  const double rejected = sum(open2, "faultline_downstream_errors_total",
                              {{"service", "a"}, {"downstream", "b:8080"}, {"cause", "breaker_open"}}) -
                          sum(open1, "faultline_downstream_errors_total",
                              {{"service", "a"}, {"downstream", "b:8080"}, {"cause", "breaker_open"}});
  // 100 req/s for 0.5 s, all but the few half-open probes are rejected fast.
  EXPECT_GE(rejected, 30) << "an open breaker sheds the calls";

  r = run_cmd(cli("fault " + run_ + " heal"));
  ASSERT_EQ(r.status, 0) << r.out;
  sleep_s(3);  // open time (1 s) + half-open probes
  const auto healed = a.scrape();
  EXPECT_EQ(sum(healed, "faultline_breaker_state", edge), 0) << "closed again after recovery";
  EXPECT_GE(sum(healed, "faultline_breaker_transitions_total", {{"service", "a"}, {"to", "closed"}}), 1);
  EXPECT_GT(sum(b.scrape(), "faultline_requests_total"), b_served1 + 100) << "calls reach b again";
}

TEST_F(Workloads, CpuLimitSlowsACpuBoundServiceByItsFactor) {
  // 10 ms of CPU per request, overloaded (60/s offered): a node limited to
  // 0.2 cores serves 20/s and one limited to 0.4 cores 40/s.
  up(R"T(
[[node]]
name = "slow"
cpu = 0.2
[[node.service]]
port = 8080
workers = 4
queue = 100000
work = "10ms"

[[node]]
name = "fast"
cpu = 0.4
[[node.service]]
port = 8080
workers = 4
queue = 100000
work = "10ms"

[[node]]
name = "c1"
load = { target = "slow:8080", rate = 60, arrival = "constant", timeout = "60s", connections = 4096 }
[[node]]
name = "c2"
load = { target = "fast:8080", rate = 60, arrival = "constant", timeout = "60s", connections = 4096 }

[[link]]
between = ["c1", "slow"]
[[link]]
between = ["c2", "fast"]
)T");
  const auto st = state();
  NodeMetrics slow(st, "slow", 8080), fast(st, "fast", 8080);
  sleep_s(2);
  const double s0 = sum(slow.scrape(), "faultline_requests_total"), f0 = sum(fast.scrape(), "faultline_requests_total");
  sleep_s(10);
  const double s1 = sum(slow.scrape(), "faultline_requests_total"), f1 = sum(fast.scrape(), "faultline_requests_total");
  const double slow_rate = (s1 - s0) / 10, fast_rate = (f1 - f0) / 10;
  std::printf("10 ms CPU per request: %.1f req/s at 0.2 cores (expect 20), %.1f req/s at 0.4 cores (expect 40)\n",
              slow_rate, fast_rate);
  EXPECT_NEAR(slow_rate, 20, 20 * 0.15);
  EXPECT_NEAR(fast_rate, 40, 40 * 0.15);
  EXPECT_NEAR(fast_rate / slow_rate, 2.0, 0.3);
}
