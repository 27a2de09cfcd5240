// SPDX-License-Identifier: Apache-2.0
// The config-drift lesson (topologies/config-drift.toml,
// docs/lessons/config-drift.md): three replicas of one service call one db;
// api-3 drifted to a 50 ms timeout and 4 immediate retries. When db freezes
// for 2 s, api-3's calls bring about 5 attempts each, the reviewed replicas'
// 2, and summary.json's amplification says which replica it is. Put back on
// the reviewed settings, api-3 amplifies like the others.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "tests/support/lesson_run.hpp"

using namespace faultline::testing;

namespace {

constexpr const char* kLesson = "config-drift";

// The per-hop amplification of each replica's calls to db.
std::map<std::string, double> per_hop(const nlohmann::json& s) {
  std::map<std::string, double> out;
  for (const char* api : {"api-1", "api-2", "api-3"}) {
    const auto a = LessonTest::amplification(s, api, "db");
    EXPECT_FALSE(a.is_null()) << api << "->db: " << s["amplification"].dump();
    out[api] = a.is_null() ? 0 : a["per_hop"].get<double>();
    std::printf("%s->db: %.2f attempts per call\n", api, out[api]);
  }
  return out;
}

}  // namespace

TEST_F(LessonTest, TheDriftedReplicaAmplifiesAndTheSummarySaysWhichOne) {
  const auto o = run_variant(kLesson, "drifted");
  ASSERT_FALSE(o.summary.is_null());
  EXPECT_EQ(o.status, 1) << "max_hop_amplification = 2 failed\n" << o.out;
  const auto hop = per_hop(o.summary);
  // 1 + 4 retries, each timing out: 5 (deadlines may cut the last one short).
  EXPECT_GE(hop.at("api-3"), 4.0);
  EXPECT_LE(hop.at("api-3"), 5.0 + 1e-9);
  for (const char* api : {"api-1", "api-2"}) {
    EXPECT_GE(hop.at(api), 1.5) << api;
    EXPECT_LE(hop.at(api), 2.0 + 1e-9) << api;
  }
  // The largest of the system is api-3's call.
  EXPECT_NEAR(o.summary["verdict"]["max_hop_amplification"].get<double>(), hop.at("api-3"), 1e-9);
}

TEST_F(LessonTest, AlignedReplicasAmplifyAlike) {
  const auto o = run_variant(kLesson, "aligned");
  ASSERT_FALSE(o.summary.is_null());
  EXPECT_EQ(o.status, 0) << o.out;
  const auto hop = per_hop(o.summary);
  for (const auto& [api, h] : hop) {
    EXPECT_GE(h, 1.5) << api;
    EXPECT_LE(h, 2.0 + 1e-9) << api;
  }
}
