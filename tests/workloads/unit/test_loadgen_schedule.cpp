// SPDX-License-Identifier: Apache-2.0
// RateSchedule: steps, ramps, spikes and live control as a piecewise-linear
// rate function of time.
#include <gtest/gtest.h>

#include <cmath>

#include "workloads/spec/rate_schedule.hpp"

namespace faultline::spec {
namespace {

constexpr int64_t kS = 1'000'000'000;
using Kind = spec::RateStep::Kind;

spec::RateStep ev(Kind k, double at_s, double rate, double for_s = 0) {
  spec::RateStep s;
  s.kind = k;
  s.at_ns = static_cast<int64_t>(at_s * kS);
  s.for_ns = static_cast<int64_t>(for_s * kS);
  s.rate = rate;
  return s;
}

TEST(LoadgenSchedule, ConstantWithoutSteps) {
  RateSchedule s(250, {});
  EXPECT_DOUBLE_EQ(s.rate_at(0), 250);
  EXPECT_DOUBLE_EQ(s.rate_at(1000 * kS), 250);
  ASSERT_EQ(s.pieces().size(), 1u);
  EXPECT_EQ(s.pieces()[0].until, RateSchedule::kForever);
}

TEST(LoadgenSchedule, StepChangesTheRateAtItsTime) {
  RateSchedule s(100, {ev(Kind::kStep, 2, 400)});
  EXPECT_DOUBLE_EQ(s.rate_at(2 * kS - 1), 100);
  EXPECT_DOUBLE_EQ(s.rate_at(2 * kS), 400);
  EXPECT_DOUBLE_EQ(s.rate_at(9 * kS), 400);
}

TEST(LoadgenSchedule, RampIsLinearFromTheRateInForce) {
  RateSchedule s(100, {ev(Kind::kStep, 1, 200), ev(Kind::kRamp, 2, 600, 4)});
  EXPECT_DOUBLE_EQ(s.rate_at(2 * kS), 200);
  EXPECT_DOUBLE_EQ(s.rate_at(3 * kS), 300);
  EXPECT_DOUBLE_EQ(s.rate_at(5 * kS), 500);
  EXPECT_DOUBLE_EQ(s.rate_at(6 * kS), 600);
  EXPECT_DOUBLE_EQ(s.rate_at(60 * kS), 600);
}

TEST(LoadgenSchedule, RampDownToZero) {
  RateSchedule s(1000, {ev(Kind::kRamp, 0, 0, 10)});
  EXPECT_DOUBLE_EQ(s.rate_at(0), 1000);
  EXPECT_NEAR(s.rate_at(5 * kS), 500, 1e-9);
  EXPECT_DOUBLE_EQ(s.rate_at(10 * kS), 0);
}

TEST(LoadgenSchedule, SpikeOverlaysAndThenReturns) {
  RateSchedule s(100, {ev(Kind::kSpike, 3, 5000, 0.5)});
  EXPECT_DOUBLE_EQ(s.rate_at(3 * kS - 1), 100);
  EXPECT_DOUBLE_EQ(s.rate_at(3 * kS), 5000);
  EXPECT_DOUBLE_EQ(s.rate_at(3 * kS + kS / 2 - 1), 5000);
  EXPECT_DOUBLE_EQ(s.rate_at(3 * kS + kS / 2), 100);
}

TEST(LoadgenSchedule, SpikeDuringARampReturnsToTheRamp) {
  RateSchedule s(0, {ev(Kind::kRamp, 0, 1000, 10), ev(Kind::kSpike, 4, 50, 2)});
  EXPECT_NEAR(s.rate_at(3 * kS), 300, 1e-9);
  EXPECT_DOUBLE_EQ(s.rate_at(5 * kS), 50);
  EXPECT_NEAR(s.rate_at(6 * kS), 600, 1e-9);
  EXPECT_NEAR(s.rate_at(8 * kS), 800, 1e-9);
}

TEST(LoadgenSchedule, StepEndsARampInProgress) {
  RateSchedule s(0, {ev(Kind::kRamp, 0, 1000, 10), ev(Kind::kStep, 5, 20)});
  EXPECT_NEAR(s.rate_at(4 * kS), 400, 1e-9);
  EXPECT_DOUBLE_EQ(s.rate_at(5 * kS), 20);
  EXPECT_DOUBLE_EQ(s.rate_at(9 * kS), 20);
}

TEST(LoadgenSchedule, EventsOutOfOrderAreSorted) {
  RateSchedule s(1, {ev(Kind::kStep, 5, 50), ev(Kind::kStep, 2, 20)});
  EXPECT_DOUBLE_EQ(s.rate_at(3 * kS), 20);
  EXPECT_DOUBLE_EQ(s.rate_at(6 * kS), 50);
}

TEST(LoadgenSchedule, LiveControlIsAStepNow) {
  RateSchedule s(100, {ev(Kind::kRamp, 0, 1100, 10), ev(Kind::kStep, 20, 7)});
  const uint64_t v = s.version();
  s.set_rate(4 * kS, 50);
  EXPECT_GT(s.version(), v);
  EXPECT_NEAR(s.rate_at(4 * kS - 1), 500, 1e-6);  // the past is unchanged
  EXPECT_DOUBLE_EQ(s.rate_at(4 * kS), 50);        // the ramp is over
  EXPECT_DOUBLE_EQ(s.rate_at(15 * kS), 50);
  EXPECT_DOUBLE_EQ(s.rate_at(20 * kS), 7);  // later scheduled steps still apply
}

TEST(LoadgenSchedule, NegativeOrNanRatesReadAsZero) {
  RateSchedule s(-5, {ev(Kind::kStep, 1, std::nan(""))});
  EXPECT_DOUBLE_EQ(s.rate_at(0), 0);
  EXPECT_DOUBLE_EQ(s.rate_at(2 * kS), 0);
}

TEST(LoadgenSchedule, PiecesAreContinuousWhereTheRateIs) {
  RateSchedule s(100, {ev(Kind::kRamp, 1, 300, 2), ev(Kind::kRamp, 3, 100, 2)});
  for (const auto& p : s.pieces()) {
    if (p.until == RateSchedule::kForever) continue;
    const double end = p.rate + p.slope * static_cast<double>(p.until - p.from);
    EXPECT_NEAR(end, s.rate_at(p.until), 1e-6) << "piece from " << p.from;
  }
  EXPECT_NEAR(s.rate_at(3 * kS), 300, 1e-9);
  EXPECT_NEAR(s.rate_at(4 * kS), 200, 1e-9);
}

}  // namespace
}  // namespace faultline::spec
