// SPDX-License-Identifier: Apache-2.0
// The shared-infrastructure lesson (topologies/shared-infrastructure.toml,
// docs/lessons/shared-infrastructure.md): a shop and a blog, two call graphs
// with nothing in common but their database, which freezes for 4 s. Shared,
// both graphs go down (the whole system collapses); with a bulkhead (the
// blog on its own database) only the shop does.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tests/support/lesson_run.hpp"

using namespace faultline::testing;

namespace {

constexpr const char* kLesson = "shared-infrastructure";

// A client's share served while db is frozen (after its first 0.5 s).
double served(const LessonRun& o, const std::string& client) {
  return LessonTest::served_share(Series(o.dir / "timeseries.csv"), client, 4.5, 8);
}

}  // namespace

TEST_F(LessonTest, AFaultInASharedDatabaseTakesDownBothCallGraphs) {
  const auto o = run_variant(kLesson, "shared");
  ASSERT_FALSE(o.summary.is_null());
  EXPECT_EQ(o.status, 1) << "collapse = false failed\n" << o.out;
  EXPECT_EQ(o.summary["verdict"]["collapsed"], true);
  const auto bad = degraded(o.summary);
  EXPECT_TRUE(bad.count("db") && bad.count("shop") && bad.count("blog")) << o.summary["propagation"].dump();
  // Together: the three onsets within 100 ms (the report marks them simultaneous).
  double first = 1e9, last = -1e9;
  for (const auto& p : o.summary["propagation"]) {
    first = std::min(first, p["after_fault_s"].get<double>());
    last = std::max(last, p["after_fault_s"].get<double>());
  }
  EXPECT_LT(last - first, 0.1) << o.summary["propagation"].dump();
  EXPECT_LE(served(o, "shop-client"), 0.1);
  EXPECT_LE(served(o, "blog-client"), 0.1);
  EXPECT_EQ(o.summary["verdict"]["recovered"], true) << "both come back with the database";
}

TEST_F(LessonTest, ABulkheadKeepsTheOtherCallGraphUp) {
  const auto o = run_variant(kLesson, "bulkhead");
  ASSERT_FALSE(o.summary.is_null());
  // Not the exit code nor the collapse verdict: both judge the system tick by
  // tick, and on a saturated host a tick can miss blog-client's scrape, leaving
  // the frozen shop's 0% as the system's. The blog's own share is the outcome.
  const auto bad = degraded(o.summary);
  EXPECT_TRUE(bad.count("db") && bad.count("shop")) << o.summary["propagation"].dump();
  EXPECT_FALSE(bad.count("blog")) << o.summary["propagation"].dump();
  EXPECT_FALSE(bad.count("blogdb")) << o.summary["propagation"].dump();
  EXPECT_LE(served(o, "shop-client"), 0.1);
  EXPECT_GE(served(o, "blog-client"), 0.85);
}
