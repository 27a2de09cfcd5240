// SPDX-License-Identifier: Apache-2.0
// Arrival times: exact for constant arrivals, the right mean and spread for
// Poisson ones, exact integration across steps and ramps, live changes, and
// the same times for the same seed.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "workloads/loadgen/arrivals.hpp"

namespace faultline::workloads::loadgen {
namespace {

constexpr int64_t kS = 1'000'000'000;
using Arrival = spec::Load::Arrival;
using Kind = spec::RateStep::Kind;

spec::RateStep ev(Kind k, double at_s, double rate, double for_s = 0) {
  spec::RateStep s;
  s.kind = k;
  s.at_ns = static_cast<int64_t>(at_s * kS);
  s.for_ns = static_cast<int64_t>(for_s * kS);
  s.rate = rate;
  return s;
}

std::vector<int64_t> times_until(ArrivalGenerator& g, const RateSchedule& s, int64_t end) {
  std::vector<int64_t> out;
  for (int64_t t = g.next(s); t < end; t = g.next(s)) {
    out.push_back(t);
    g.advance(s);
  }
  return out;
}

TEST(LoadgenArrivals, ConstantArrivalsAreEvenlySpaced) {
  RateSchedule s(20'000, {});
  ArrivalGenerator g(Arrival::kConstant, policy::Rng(1));
  const auto t = times_until(g, s, kS);
  ASSERT_EQ(t.size(), 19'999u);  // 50 us apart; the 20000th lands on 1 s
  for (size_t i = 0; i < t.size(); ++i) EXPECT_EQ(t[i], static_cast<int64_t>(i + 1) * 50'000);
}

TEST(LoadgenArrivals, PoissonMeanRateAndSpread) {
  RateSchedule s(10'000, {});
  ArrivalGenerator g(Arrival::kPoisson, policy::Rng(42));
  const auto t = times_until(g, s, 20 * kS);
  // 200000 expected, sd 447: 1% is more than 4 sd.
  EXPECT_NEAR(static_cast<double>(t.size()), 200'000, 2'000);
  // Exponential gaps: coefficient of variation 1.
  double sum = 0, sq = 0;
  for (size_t i = 1; i < t.size(); ++i) {
    const double gap = static_cast<double>(t[i] - t[i - 1]);
    sum += gap;
    sq += gap * gap;
  }
  const double n = static_cast<double>(t.size() - 1), mean = sum / n;
  const double cv = std::sqrt(sq / n - mean * mean) / mean;
  EXPECT_NEAR(mean, 100'000, 1'000);
  EXPECT_NEAR(cv, 1.0, 0.02);
}

TEST(LoadgenArrivals, StepTakesEffectAtItsTimeNotOneOldGapLater) {
  // 1 req/s, then 1000 req/s from 0.5 s: the first gap would have been 1 s.
  RateSchedule s(1, {ev(Kind::kStep, 0.5, 1000)});
  ArrivalGenerator g(Arrival::kConstant, policy::Rng(1));
  // Half a request's mass by 0.5 s; the other half at 1000/s takes 0.5 ms.
  EXPECT_EQ(g.next(s), kS / 2 + 500'000);
  g.advance(s);
  EXPECT_EQ(g.next(s), kS / 2 + 1'500'000);
}

TEST(LoadgenArrivals, RampIsIntegratedExactly) {
  // 0 -> 1000 req/s over 1 s: 500 requests in that second.
  RateSchedule s(0, {ev(Kind::kRamp, 0, 1000, 1)});
  ArrivalGenerator g(Arrival::kConstant, policy::Rng(1));
  const auto t = times_until(g, s, kS + 1);
  EXPECT_EQ(t.size(), 500u);
  // The k-th arrival is where 500 t^2 = k: t = sqrt(k / 500). Each time is
  // rounded to a ns and the next one integrates from it: a few ns of walk.
  EXPECT_NEAR(static_cast<double>(t[0]), std::sqrt(1.0 / 500) * kS, 1);
  EXPECT_NEAR(static_cast<double>(t[99]), std::sqrt(100.0 / 500) * kS, 50);
  EXPECT_NEAR(static_cast<double>(t[499]), std::sqrt(500.0 / 500) * kS, 50);
}

TEST(LoadgenArrivals, DecreasingRampIsIntegratedExactly) {
  RateSchedule s(1000, {ev(Kind::kRamp, 0, 0, 1)});
  ArrivalGenerator g(Arrival::kConstant, policy::Rng(1));
  const auto t = times_until(g, s, 5 * kS);
  EXPECT_EQ(t.size(), 500u);  // and none after the rate reached 0
}

TEST(LoadgenArrivals, SpikeAddsItsRequests) {
  RateSchedule s(100, {ev(Kind::kSpike, 1, 10'000, 0.1)});
  ArrivalGenerator g(Arrival::kConstant, policy::Rng(1));
  const auto t = times_until(g, s, 2 * kS);
  // 1.9 s at 100 plus 0.1 s at 10000.
  EXPECT_NEAR(static_cast<double>(t.size()), 190 + 1000, 1);
}

TEST(LoadgenArrivals, ZeroRateMeansNoArrivalUntilControlRaisesIt) {
  RateSchedule s(0, {});
  ArrivalGenerator g(Arrival::kConstant, policy::Rng(1));
  EXPECT_EQ(g.next(s), RateSchedule::kForever);
  s.set_rate(2 * kS, 100);
  EXPECT_EQ(g.next(s), 2 * kS + 10'000'000);
}

TEST(LoadgenArrivals, LiveChangeMovesThePendingArrival) {
  RateSchedule s(1, {});
  ArrivalGenerator g(Arrival::kConstant, policy::Rng(1));
  EXPECT_EQ(g.next(s), kS);
  // At 0.25 s the rate becomes 100: 0.75 of a request is left, 7.5 ms.
  s.set_rate(kS / 4, 100);
  EXPECT_EQ(g.next(s), kS / 4 + 7'500'000);
}

TEST(LoadgenArrivals, SameSeedSameTimesOtherSeedOtherTimes) {
  RateSchedule s(1000, {ev(Kind::kRamp, 1, 5000, 1)});
  ArrivalGenerator a(Arrival::kPoisson, policy::Rng(9)), b(Arrival::kPoisson, policy::Rng(9)),
      c(Arrival::kPoisson, policy::Rng(10));
  const auto ta = times_until(a, s, 3 * kS), tb = times_until(b, s, 3 * kS), tc = times_until(c, s, 3 * kS);
  EXPECT_EQ(ta, tb);
  EXPECT_NE(ta, tc);
  // The digest the load generator logs follows the times.
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_NE(a.digest(), c.digest());
  ArrivalGenerator d(Arrival::kPoisson, policy::Rng(9));
  const auto td = times_until(d, s, 2 * kS);
  ASSERT_EQ(td.size(), d.count());
  EXPECT_EQ(td, std::vector<int64_t>(ta.begin(), ta.begin() + static_cast<long>(td.size())));
  EXPECT_NE(d.digest(), a.digest()) << "fewer arrivals, another digest";
}

TEST(LoadgenArrivals, TimeOfMassOnAFlatRate) {
  RateSchedule s(4, {});
  EXPECT_EQ(time_of_mass(s, 0, 1.0), kS / 4);
  EXPECT_EQ(time_of_mass(s, kS, 2.0), kS + kS / 2);
  RateSchedule zero(0, {});
  EXPECT_EQ(time_of_mass(zero, 0, 1.0), RateSchedule::kForever);
}

}  // namespace
}  // namespace faultline::workloads::loadgen
