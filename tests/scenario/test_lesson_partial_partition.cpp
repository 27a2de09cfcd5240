// SPDX-License-Identifier: Apache-2.0
// The partial-partition lesson (topologies/partial-partition.toml,
// docs/lessons/partial-partition.md): db's packets to web-1 are dropped, and
// nothing else. The failure is partial and observers disagree: web-1 and its
// clients fail, web-2 and its clients do not, db serves web-2 without an
// error, and the calls web-1->db and web-2->db are failed and healthy at the
// same time; db keeps sending to web-1 (its answers and handshakes vanish).
// Cut both ways, the services fail alike but db falls silent towards web-1.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/lesson_run.hpp"

using namespace faultline::testing;

namespace {

constexpr const char* kLesson = "partial-partition";
// The cut lasts from 4 to 9 s; judged from 4.5 s, once it has taken hold.
constexpr double kFrom = 4.5, kTo = 9;

double served(const Series& s, const std::string& client) { return LessonTest::served_share(s, client, kFrom, kTo); }

// What db sends towards web-1 during the cut, packets per second.
double db_to_web1_pps(const Series& s) {
  const double pps = s.mean("link:web-1-db", "db->web-1", "sent_pps", kFrom, kTo);
  std::printf("db -> web-1: %.1f packets/s sent during the cut\n", pps);
  return pps;
}

// Either way, the failure is partial: web-1 and its clients fail, web-2 and
// its clients do not.
void expect_only_web1_fails(const nlohmann::json& summary, const Series& s) {
  const auto bad = LessonTest::degraded(summary);
  EXPECT_TRUE(bad.count("web-1")) << summary["propagation"].dump();
  EXPECT_FALSE(bad.count("web-2")) << summary["propagation"].dump();
  EXPECT_LE(served(s, "client-1"), 0.1);
  EXPECT_GE(served(s, "client-2"), 0.85);
}

}  // namespace

TEST_F(LessonTest, AOneWayPartitionFailsOneReplicaWhileDbLooksHealthy) {
  const auto o = run_variant(kLesson, "one-way");
  ASSERT_FALSE(o.summary.is_null());
  const Series s(o.dir / "timeseries.csv");
  expect_only_web1_fails(o.summary, s);
  // The same db, failed through one call and healthy through the other (from
  // 1 s into the cut: an onset waits for the 250 ms SLO and the judgement).
  const double w1 = health_share(o.summary, "web-1->db", 5, kTo, "df");
  const double w2 = health_share(o.summary, "web-2->db", 5, kTo, "h");
  std::printf("windows of the cut: web-1->db %.0f%% degraded or failed, web-2->db %.0f%% healthy\n", w1 * 100,
              w2 * 100);
  EXPECT_GE(w1, 0.9);
  EXPECT_GE(w2, 0.9);
  // db's own account: every request it was sent answered, no errors.
  EXPECT_GT(s.mean("db", "db", "goodput_rps", kFrom, kTo), 0.8 * s.mean("db", "db", "goodput_rps", 1.5, 4) / 2);
  EXPECT_LT(s.mean("db", "db", "errors_rps", kFrom, kTo), 1.0);
  // db still talks to web-1: its answers and SYN-ACKs are what the cut drops.
  EXPECT_GT(db_to_web1_pps(s), 20);
}

TEST_F(LessonTest, CutBothWaysDbFallsSilentTowardsTheReplica) {
  const auto o = run_variant(kLesson, "both-ways");
  ASSERT_FALSE(o.summary.is_null());
  const Series s(o.dir / "timeseries.csv");
  expect_only_web1_fails(o.summary, s);
  EXPECT_LT(db_to_web1_pps(s), 10) << "db never hears web-1, so it has nothing to answer";
}
