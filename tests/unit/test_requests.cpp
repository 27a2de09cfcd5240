// SPDX-License-Identifier: Apache-2.0
// Health from requests on generated request streams: Poisson arrivals with
// a known onset of failure, noise without a fault, censoring of tries still
// in flight, idle stretches, and the statistics the rule rests on.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "base/random_core.hpp"
#include "orchestrator/analysis/requests.hpp"

using namespace faultline;
using namespace faultline::analysis;

namespace {

// A seeded stream of tries: Poisson arrivals at `rate` over [0, end_s);
// shape(start, rng) fills in how each went.
class Stream {
 public:
  explicit Stream(uint64_t seed) : x_(seed) {}
  double uniform() { return static_cast<double>(x_.next64() >> 11) * 0x1.0p-53; }
  double exponential(double mean) { return -mean * std::log1p(-uniform()); }

  std::vector<Try> poisson(double rate, double end_s, const std::function<void(Try&, Stream&)>& shape) {
    std::vector<Try> out;
    for (double t = exponential(1 / rate); t < end_s; t += exponential(1 / rate)) {
      Try tr;
      tr.start_s = t;
      shape(tr, *this);
      out.push_back(tr);
    }
    return out;
  }

 private:
  Xoshiro256ss x_;
};

// Healthy: exponential latency of mean 5 ms; `fail` of them fail at once.
std::function<void(Try&, Stream&)> healthy(double fail = 0.01) {
  return [fail](Try& t, Stream& s) {
    t.ok = s.uniform() >= fail;
    t.end_s = t.start_s + (t.ok ? s.exponential(0.005) : 0.001);
  };
}

const HealthSpan kSpan{5, 15, 20.0, 40};

size_t count(const SubjectHealth& h, Health what) {
  return static_cast<size_t>(std::count(h.windows.begin(), h.windows.end(), what));
}

}  // namespace

TEST(Requests, TriesAreJudgedAtTheMomentTheyBecameGoodOrBad) {
  const std::vector<Try> tries = {
      {1.000, 1.005, true, false},   // good at its end
      {2.000, 2.500, true, false},   // slow: bad once past the SLO (2.1)
      {3.000, 3.002, false, false},  // failed fast: bad at its end
      {4.000, 4.300, false, true},   // in flight past the SLO when last seen: bad at 4.1
      {5.000, 5.050, false, true},   // in flight, not yet past the SLO: not judged
  };
  const auto j = judge_tries(tries, 0.1);
  ASSERT_EQ(j.size(), 4u);
  EXPECT_DOUBLE_EQ(j[0].t, 1.005);
  EXPECT_FALSE(j[0].bad);
  EXPECT_DOUBLE_EQ(j[1].t, 2.1);
  EXPECT_TRUE(j[1].bad);
  EXPECT_DOUBLE_EQ(j[2].t, 3.002);
  EXPECT_TRUE(j[2].bad);
  EXPECT_DOUBLE_EQ(j[3].t, 4.1);
  EXPECT_TRUE(j[3].bad);
}

TEST(Requests, BinomialTailAndTheTriesThatDecide) {
  EXPECT_DOUBLE_EQ(binomial_sf(0, 10, 0.3), 1.0);
  EXPECT_NEAR(binomial_sf(1, 1, 0.3), 0.3, 1e-12);
  EXPECT_NEAR(binomial_sf(2, 3, 0.5), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(binomial_sf(4, 3, 0.5), 0.0);
  // Against the direct sum.
  double direct = 0;
  for (int i = 7; i <= 20; ++i) direct += std::tgamma(21) / std::tgamma(i + 1) / std::tgamma(21 - i) * std::pow(0.1, i) * std::pow(0.9, 20 - i);
  EXPECT_NEAR(binomial_sf(7, 20, 0.1), direct, 1e-12);
  // Far in the tail (about 5e-52) the sum must not underflow to zero.
  EXPECT_GT(binomial_sf(60, 100, 0.05), 1e-60);
  EXPECT_LT(binomial_sf(60, 100, 0.05), 1e-45);
  // 0.05^4 = 6.25e-6 < 1e-4 < 0.05^3.
  EXPECT_EQ(decisive_tries(0.05, 1e-4), 4u);
  EXPECT_EQ(decisive_tries(0.5, 1e-4), 14u);
}

TEST(Requests, AFaultFreePoissonLoadMarksNothingDegraded) {
  // 30 seeds x 40 s x 3 rates: 36,000 windows of a service as good as its
  // baseline (1% of requests fail at random, latencies exponential).
  HealthRule rule;
  size_t windows = 0, degraded = 0;
  for (double rate : {20.0, 150.0, 2000.0})
    for (uint64_t seed = 1; seed <= 30; ++seed) {
      Stream s(seed * 7919 + static_cast<uint64_t>(rate));
      const auto tries = s.poisson(rate, 40, healthy());
      const double slo = 2 * latency_p99(tries, 5, 15);
      const auto h = judge_health(judge_tries(tries, slo), rule, kSpan);
      windows += h.windows.size();
      degraded += count(h, Health::kDegraded) + count(h, Health::kFailed);
      EXPECT_FALSE(h.onset_s) << "rate " << rate << " seed " << seed << " onset " << *h.onset_s;
    }
  EXPECT_EQ(windows, 36'000u);
  EXPECT_EQ(degraded, 0u);
}

TEST(Requests, AtTheAllowedBadShareFalseAlarmsStayWithinAlpha) {
  // The worst a healthy service may be: its bad share exactly p_ok (5%, the
  // floor). The test's level bounds false alarms per window by alpha.
  HealthRule rule;
  size_t windows = 0, degraded = 0;
  for (uint64_t seed = 1; seed <= 25; ++seed) {
    Stream s(seed);
    // 5% bad throughout, baseline included: p_ok = clamp(3 x 5%) = 15%; so
    // set the baseline clean and the rest at the floor.
    auto tries = s.poisson(300, 400, [](Try& t, Stream& st) {
      t.ok = t.start_s < 15 || st.uniform() >= 0.05;
      t.end_s = t.start_s + 0.001;
    });
    const auto h = judge_health(judge_tries(tries, 0.1), rule, HealthSpan{5, 15, std::nullopt, 400});
    EXPECT_DOUBLE_EQ(h.p_ok, 0.05);
    windows += h.windows.size() - 150;  // the clean first 15 s say nothing
    degraded += count(h, Health::kDegraded) + count(h, Health::kFailed);
  }
  EXPECT_EQ(windows, 25u * 3850u);
  EXPECT_LE(static_cast<double>(degraded), 2 * rule.alpha * static_cast<double>(windows))
      << degraded << " false alarms in " << windows << " windows";
}

TEST(Requests, AFastFailureIsFoundToTheMillisecond) {
  Stream s(42);
  auto tries = s.poisson(150, 40, [](Try& t, Stream& st) {
    if (t.start_s >= 20.0) {  // refused from 20 s on
      t.ok = false;
      t.end_s = t.start_s + 0.0002;
    } else {
      healthy()(t, st);
    }
  });
  const double slo = 2 * latency_p99(tries, 5, 15);
  const auto h = judge_health(judge_tries(tries, slo), HealthRule{}, kSpan);
  ASSERT_TRUE(h.onset_s);
  // The first try after 20 s is ~1/150 s away at most several times that.
  EXPECT_GE(*h.onset_s, 20.0);
  EXPECT_LT(*h.onset_s, 20.05);
  EXPECT_EQ(h.windows[201], Health::kFailed);
  EXPECT_EQ(h.windows[150], Health::kHealthy);
}

TEST(Requests, ASlowdownShowsWhenTheFirstTryPassesItsSlo) {
  Stream s(7);
  auto tries = s.poisson(150, 40, [](Try& t, Stream& st) {
    t.ok = true;
    t.end_s = t.start_s + (t.start_s >= 20.0 ? 0.300 + st.exponential(0.05) : st.exponential(0.005));
  });
  const double slo = 2 * latency_p99(tries, 5, 15);
  ASSERT_GT(slo, 0.02);
  ASSERT_LT(slo, 0.1);
  const auto h = judge_health(judge_tries(tries, slo), HealthRule{}, kSpan);
  ASSERT_TRUE(h.onset_s);
  // Bad from start + SLO of the first slow try, not from its end 300 ms later.
  EXPECT_NEAR(*h.onset_s, 20.0 + slo, 0.03);
  EXPECT_EQ(h.windows[205], Health::kFailed) << "every try past its SLO";
}

TEST(Requests, AFrozenServiceShowsAtOnceFromTriesStillInFlight) {
  // From 20 s nothing is answered: the tries pile up in flight (last seen
  // at the end, 30 s). No try ever ends, and still it is failed at once.
  Stream s(3);
  auto tries = s.poisson(150, 30, [](Try& t, Stream& st) {
    if (t.start_s >= 20.0) {
      t.open = true;
      t.end_s = 30.0;
    } else {
      healthy()(t, st);
    }
  });
  const double slo = 2 * latency_p99(tries, 5, 15);
  const auto h = judge_health(judge_tries(tries, slo), HealthRule{}, HealthSpan{5, 15, 20.0, 30});
  ASSERT_TRUE(h.onset_s);
  EXPECT_NEAR(*h.onset_s, 20.0 + slo, 0.02);
  EXPECT_EQ(h.windows[210], Health::kFailed);
  EXPECT_EQ(h.windows[290], Health::kFailed);
}

TEST(Requests, AServiceAskedNothingIsIdleNotDegraded) {
  Stream s(11);
  // Its callers stop calling at 20 s (their own failure upstream).
  auto tries = s.poisson(150, 20, healthy());
  const double slo = 2 * latency_p99(tries, 5, 15);
  const auto h = judge_health(judge_tries(tries, slo), HealthRule{}, kSpan);
  EXPECT_FALSE(h.onset_s);
  EXPECT_EQ(count(h, Health::kIdle), 200u);
  EXPECT_EQ(count(h, Health::kDegraded) + count(h, Health::kFailed), 0u);
}

TEST(Requests, ALowRateLooksBackFarEnoughToDecide) {
  // 5 requests per second: a 100 ms window holds one at most. A total
  // failure needs four bad tries to reach alpha; the onset still falls on
  // the first of them.
  Stream s(5);
  auto tries = s.poisson(5, 40, [](Try& t, Stream& st) {
    if (t.start_s >= 20.0) {
      t.ok = false;
      t.end_s = t.start_s + 0.0002;
    } else {
      healthy(0)(t, st);
    }
  });
  double first_bad = 0;
  for (const auto& t : tries)
    if (t.start_s >= 20.0) {
      first_bad = t.end_s;
      break;
    }
  const auto h = judge_health(judge_tries(tries, 0.05), HealthRule{}, kSpan);
  ASSERT_TRUE(h.onset_s);
  EXPECT_NEAR(*h.onset_s, first_bad, 1e-9);
  ASSERT_TRUE(h.onset_window);
  EXPECT_GT(*h.onset_window * 0.1, first_bad) << "decided only once enough tries failed";
  EXPECT_LT(*h.onset_window * 0.1, 21.5);
}

TEST(Requests, TheChangePointIsTheSplitThatExplainsTheTailBest) {
  std::vector<Judged> ev;
  for (int i = 0; i < 50; ++i) ev.push_back({i * 0.01, i % 20 == 7});  // 5% noise
  for (int i = 50; i < 60; ++i) ev.push_back({i * 0.01, true});        // the fault
  const auto cp = change_point(ev, 0, ev.size(), 0.05);
  ASSERT_TRUE(cp);
  EXPECT_EQ(*cp, 50u);
  // Nothing worse than p_ok after any split: no change point.
  std::vector<Judged> calm(40, Judged{0, false});
  for (size_t i = 0; i < calm.size(); ++i) calm[i].t = i * 0.01;
  EXPECT_FALSE(change_point(calm, 0, calm.size(), 0.05));
}
