// SPDX-License-Identifier: Apache-2.0
// The memory-pressure lesson (topologies/memory-pressure.toml,
// docs/lessons/memory-pressure.md): api holds 2 MiB per request in a node of
// 128 MiB; its store freezes for 3 s and api's backlog grows until the OOM
// killer ends it. api's node restarts it (restart = "on-failure"), the backlog
// grows again behind the frozen store, and it is killed again: a restart loop,
// until the store is back. With a queue bounded to 16 the same freeze is shed
// at the door and api is never killed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "tests/support/lesson_run.hpp"

using namespace faultline::testing;

namespace {

constexpr const char* kLesson = "memory-pressure";
constexpr double kFreeze = 4, kThaw = 8;  // the store's freeze, s

// The run's events of one kind in api's node, in time order.
std::vector<nlohmann::json> api_events(const LessonRun& o, const std::string& kind) {
  std::vector<nlohmann::json> out;
  for (const auto& e : read_events(o.dir / "events.jsonl"))
    if (e["kind"] == kind && e.value("node", "") == "api") out.push_back(e);
  std::printf("%zu %s events in api:", out.size(), kind.c_str());
  for (const auto& e : out) std::printf(" %.2f", e["t"].get<double>());
  std::printf("\n");
  return out;
}

}  // namespace

TEST_F(LessonTest, ABacklogHoldingMemoryEndsInOomKillsAndARestartLoop) {
  const auto o = run_variant(kLesson, "unbounded");
  ASSERT_FALSE(o.summary.is_null());
  EXPECT_EQ(o.status, 1) << "the check 'no process of api is OOM-killed' failed\n" << o.out;
  const auto ooms = api_events(o, "oom");
  const auto restarts = api_events(o, "restart");
  int killed = 0;
  for (const auto& e : api_events(o, "exit"))
    killed += e["status"] == "killed by signal 9" && !e.contains("fault") && !e.contains("restart") ? 1 : 0;
  // A loop: killed, restarted, killed again while the store is frozen.
  ASSERT_GE(ooms.size(), 2u);
  EXPECT_GE(killed, 2);
  ASSERT_GE(restarts.size(), 2u);
  EXPECT_GT(ooms[0]["t"].get<double>(), kFreeze);
  EXPECT_LT(ooms[0]["t"].get<double>(), kFreeze + 1.5) << "2 MiB a request at 100 req/s fill 128 MiB in about 0.6 s";
  EXPECT_GT(restarts[0]["t"].get<double>(), ooms[0]["t"].get<double>());
  EXPECT_GT(ooms[1]["t"].get<double>(), restarts[0]["t"].get<double>()) << "killed again after its restart";
  for (size_t i = 0; i < restarts.size(); ++i) EXPECT_EQ(restarts[i]["count"], static_cast<int>(i) + 1);
  // The series count them too (the node's cgroup outlives its processes).
  const Series s(o.dir / "timeseries.csv");
  EXPECT_GE(s.mean("api", "", "oom_kills", o.summary["phases"]["end_s"].get<double>() - 0.5, 1e9),
            static_cast<double>(ooms.size()));
  // Once the store is back, the loop ends: the last kill comes before the
  // thaw's backlog is gone, and api serves again.
  EXPECT_LT(ooms.back()["t"].get<double>(), kThaw + 1.5);
  EXPECT_GE(served_share(s, "client", kThaw + 3, kThaw + 5), 0.85);
}

TEST_F(LessonTest, ABoundedQueueShedsTheBacklogAndApiSurvives) {
  const auto o = run_variant(kLesson, "bounded");
  ASSERT_FALSE(o.summary.is_null());
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_TRUE(api_events(o, "oom").empty());
  EXPECT_TRUE(api_events(o, "restart").empty());
  const Series s(o.dir / "timeseries.csv");
  EXPECT_EQ(s.mean("api", "", "oom_kills", 0, 1e9), 0);
  EXPECT_EQ(o.summary["verdict"]["recovered"], true);
}
