// SPDX-License-Identifier: Apache-2.0
// The breaker-containment lesson (topologies/breaker-containment.toml,
// docs/lessons/breaker-containment.md): a gateway's two branches share its
// 16 workers; b's database is cut off. With a breaker and a fallback on each
// of the gateway's calls the failure stays in b's branch (b and bdb
// degrade, the gateway and client-a do not); without them the calls to b
// hold the gateway's workers and client-a, whose branch is healthy, loses
// its goodput too.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/lesson_run.hpp"

using namespace faultline::testing;

namespace {

constexpr const char* kLesson = "breaker-containment";

// client-a's share served during the cut (after its first 0.5 s).
double client_a_served(const LessonRun& o) {
  return LessonTest::served_share(Series(o.dir / "timeseries.csv"), "client-a", 4.5, 10);
}

}  // namespace

TEST_F(LessonTest, BreakersAndFallbacksKeepTheBlastRadiusToTheFailingBranch) {
  const auto o = run_variant(kLesson, "breakers");
  ASSERT_FALSE(o.summary.is_null());
  EXPECT_EQ(o.status, 0) << "max_blast_radius = 50% held\n" << o.out;
  const auto bad = degraded(o.summary);
  EXPECT_TRUE(bad.count("bdb") && bad.count("b")) << o.summary["propagation"].dump();
  EXPECT_FALSE(bad.count("gateway")) << o.summary["propagation"].dump();
  EXPECT_FALSE(bad.count("a")) << o.summary["propagation"].dump();
  EXPECT_LE(o.summary["verdict"]["blast_radius"].get<double>(), 0.5 + 1e-9);
  EXPECT_GE(client_a_served(o), 0.85) << "client-a's branch is healthy: it keeps its goodput";
  // The gateway's breaker on b opened during the cut.
  bool opened = false;
  for (const auto& e : read_events(o.dir / "events.jsonl"))
    opened |= e["kind"] == "breaker" && e["service"] == "gateway" && e["downstream"] == "b:8080" && e["to"] == "open";
  EXPECT_TRUE(opened) << "no breaker event of gateway -> b:8080";
}

TEST_F(LessonTest, WithoutBreakersTheFailureSpreadsToTheGatewayAndTheHealthyBranch) {
  const auto o = run_variant(kLesson, "no-breakers");
  ASSERT_FALSE(o.summary.is_null());
  EXPECT_EQ(o.status, 1) << "max_blast_radius = 50% failed\n" << o.out;
  const auto bad = degraded(o.summary);
  EXPECT_TRUE(bad.count("bdb") && bad.count("b") && bad.count("gateway")) << o.summary["propagation"].dump();
  EXPECT_FALSE(bad.count("a")) << "a itself is healthy: it is sent fewer requests, not worse ones";
  EXPECT_GT(o.summary["verdict"]["blast_radius"].get<double>(), 0.5);
  EXPECT_LE(client_a_served(o), 0.8) << "the gateway's workers are held by calls to b";
}
