// SPDX-License-Identifier: Apache-2.0
// The lesson of topologies/fan-out.toml (docs/lessons/fan-out.md): one leaf
// whose answers take exp(20 ms), behind fan-outs of 1, 2, 8 and 32 parallel
// calls, each fan-out with its own client waiting 60 ms. A request is slow
// when any of its N calls is, so the share of slow (timed-out) requests is
// 1 - (1 - q)^N, q measured at N = 1. The test compares each fan-out's
// measured share with that prediction.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/lesson_run.hpp"

using namespace faultline::testing;

namespace {

// The share of a client's requests that did not answer within its timeout,
// from the end of the warm-up to the end of the run.
double slow_share(const LessonRun& r, int fan_out) {
  const auto s = r.series();
  const std::string node = "c" + std::to_string(fan_out);
  const double from = r.summary["phases"]["warmup_end_s"].get<double>();
  const double to = r.summary["phases"]["end_s"].get<double>();
  const double offered = s.mean(node, "load:" + node, "offered_rps", from, to);
  const double good = s.mean(node, "load:" + node, "goodput_rps", from, to);
  EXPECT_GT(offered, 10) << node << " sent its requests";
  return offered > 0 ? 1 - good / offered : 1;
}

}  // namespace

TEST_F(LessonTest, FanOutMakesTheRareSlowLeafTheCommonCase) {
  const auto r = run_lesson("fan-out", "fan-out");
  const double q = slow_share(r, 1);
  std::printf("  N=1: q = %.3f\n", q);
  // The leaf alone is rarely slow (e^-3 = 5% nominal, plus the hops' time).
  EXPECT_GT(q, 0.01);
  EXPECT_LT(q, 0.15);
  double previous = q;
  for (const int n : {2, 8, 32}) {
    const double measured = slow_share(r, n);
    const double predicted = 1 - std::pow(1 - q, n);
    std::printf("  N=%d: measured %.3f, predicted 1-(1-q)^N = %.3f\n", n, measured, predicted);
    EXPECT_GT(measured, previous) << "more fan-out, more slow requests";
    EXPECT_NEAR(measured, predicted, 0.1 + 0.25 * predicted) << "N=" << n;
    previous = measured;
  }
  EXPECT_GT(previous, 0.5) << "at N = 32 most requests are slow";
}
