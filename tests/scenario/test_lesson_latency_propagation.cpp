// SPDX-License-Identifier: Apache-2.0
// The lesson of topologies/latency-propagation.toml
// (docs/lessons/latency-propagation.md): the last tier of a four-tier chain
// loses most of its CPU for 5 s. All four tiers degrade within a fraction
// of a second, the db among the first. As shipped the db ignores the
// deadlines its callers send (drop_abandoned = false) and spends the cut on
// requests whose client has given up: it answers requests all along while
// the clients get almost none of them. Acting on the deadline (drop_abandoned = true, and
// max_queue_delay = 250ms so that what it serves still has time left) the
// same CPU serves requests that still have a caller.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "tests/support/lesson_run.hpp"

using namespace faultline::testing;

namespace {

// What the db answered and what reached the clients during the cut, after
// its first 2 s (the queue needs about 1.5 s to hold more than the clients'
// 500 ms).
struct Useful {
  double db_goodput = 0;
  double client_goodput = 0;
  double share() const { return db_goodput > 0 ? client_goodput / db_goodput : 0; }
};

Useful useful_work(const LessonRun& r) {
  const auto s = r.series();
  const double from = r.summary["phases"]["first_fault_s"].get<double>() + 2.0;
  const double to = r.summary["phases"]["last_fault_end_s"].get<double>();
  Useful u{s.mean("db", "db", "goodput_rps", from, to), s.mean("client", "load:client", "goodput_rps", from, to)};
  std::printf("  during the cut: db answered %.1f req/s, clients got %.1f req/s (%.0f%%)\n", u.db_goodput,
              u.client_goodput, 100 * u.share());
  return u;
}

}  // namespace

TEST_F(LessonTest, LatencyPropagationClimbsTheChainAndIgnoredDeadlinesWasteTheDb) {
  const auto shipped = run_lesson("latency-propagation", "ignored");
  const auto honoured = run_lesson("latency-propagation", "honoured",
                                   {"node.db.service.5432.drop_abandoned=true", "node.db.service.5432.max_queue_delay=250ms"});

  // Up the chain at once: every tier holds a worker while it waits for the
  // one below, so all four degrade within a fraction of a second of the
  // cut and of each other, the db among the first. (Their order within
  // that is not measured: the onsets are tens of ms apart, about their
  // resolution, and a tier's onset depends on its own SLO.)
  std::map<std::string, double> onset;
  for (const auto& p : shipped.summary["propagation"]) onset[p["service"]] = p["after_fault_s"];
  ASSERT_EQ(onset.size(), 4u) << shipped.summary["propagation"].dump(2);
  double first = 1e9, last = 0;
  for (const auto& [service, t] : onset) {
    first = std::min(first, t);
    last = std::max(last, t);
  }
  EXPECT_LT(last, 1.0) << "all tiers degraded within 1 s of the cut";
  EXPECT_LT(last - first, 0.3) << "the slowness climbed the chain at once";
  EXPECT_LE(onset["db"], first + 0.15) << "the db is among the first";

  // Ignored deadlines: the db keeps answering (at its cut capacity of about
  // 50 req/s), and next to nothing of it reaches a client.
  const auto wasted = useful_work(shipped);
  EXPECT_GT(wasted.db_goodput, 15) << "the db works through the cut";
  EXPECT_LT(wasted.share(), 0.1) << "most of the db's answers come after their client gave up";

  // Honoured: most of what the db answers reaches a client.
  const auto kept = useful_work(honoured);
  EXPECT_GT(kept.db_goodput, 15);
  EXPECT_GT(kept.share(), 0.5) << "acting on the deadline serves requests that still have a caller";
}
