// SPDX-License-Identifier: Apache-2.0
// The lesson of topologies/cpu-cliff.toml (docs/lessons/cpu-cliff.md): a
// CPU cut of the db to 0.1 cores under clients that retry at once. A cut
// well short of the measured boundary (0.3 s) drains and recovers; one well
// past it (3 s) leaves the db serving requests whose clients gave up, every
// request bringing its retries: not recovered although the CPU is back. The
// boundary itself is the lesson's `faultline explore` (on the 2-core host
// 0.6 s at 0.05 cores, 0.84 s at 0.175 cores); this test asserts one point
// on each side with a margin of about 2x.
#include <gtest/gtest.h>

#include "tests/support/lesson_run.hpp"

using namespace faultline::testing;

TEST_F(LessonTest, CpuCliffAShortCutRecoversALongOneDoesNot) {
  const auto brief = run_lesson("cpu-cliff", "short", {"fault.0.for=300ms"});
  const auto longer = run_lesson("cpu-cliff", "long", {"fault.0.for=3s"});

  EXPECT_TRUE(brief.recovered()) << brief.headline();
  EXPECT_EQ(brief.status, 0) << brief.out;

  EXPECT_FALSE(longer.recovered()) << longer.headline();
  EXPECT_EQ(longer.summary["verdict"]["metastable"], true) << longer.headline();
  EXPECT_EQ(longer.status, 1) << longer.out;
  // Stuck by the retries: attempts per organic request near the 4 the
  // client can send, not the 1 of a queue that merely drains slowly.
  EXPECT_GT(longer.summary["verdict"]["max_cumulative_amplification"].get<double>(), 2.0) << longer.headline();
}
