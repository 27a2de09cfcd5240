// SPDX-License-Identifier: Apache-2.0
// The lesson of topologies/queue-backlog.toml (docs/lessons/queue-backlog.md):
// a 2 s load spike to twice a service's capacity. With the shipped queue
// (unbounded in practice, FIFO, drop_abandoned = false) the service stays
// busy at full throughput while its clients get next to nothing: each
// request it serves waited longer than its caller's 200 ms. With the
// `bounded` variant (a queue of 40) it sheds the excess at once and keeps
// serving requests in time, and comes back as soon as the spike ends. Each
// is one of the file's [[variant]]s, run with --variant.
#include <gtest/gtest.h>

#include "tests/support/lesson_run.hpp"

using namespace faultline::testing;

namespace {

struct Window {
  double served = 0;   // what the service served (its throughput, sheds left out)
  double goodput = 0;  // what reached a client in time
  double offered = 0;
};

// From the spike's start until 2 s after it ended: the backlog's time.
Window backlog_window(const LessonRun& r) {
  const auto s = r.series();
  const double from = r.summary["phases"]["first_fault_s"].get<double>() + 0.5;
  const double to = r.summary["phases"]["last_fault_end_s"].get<double>() + 2.0;
  // requests_rps counts the shed requests too (answered with a 503).
  const double served = s.mean("svc", "svc", "requests_rps", from, to) - s.mean("svc", "svc", "shed_rps", from, to);
  Window w{served, s.mean("client", "load:client", "goodput_rps", from, to),
           s.mean("client", "load:client", "offered_rps", from, to)};
  std::printf("  spike and after: served %.0f req/s, goodput %.0f of %.0f offered req/s\n", w.served, w.goodput,
              w.offered);
  return w;
}

}  // namespace

TEST_F(LessonTest, QueueBacklogUnboundedFifoServesOnlyAbandonedRequests) {
  const auto fifo = run_lesson("queue-backlog", "unbounded-fifo", {}, "unbounded-fifo");
  const auto bounded = run_lesson("queue-backlog", "bounded", {}, "bounded");

  // Unbounded FIFO: busy near its 400 req/s, yet goodput near zero, and
  // not back within the horizon (the backlog outlives the spike).
  const auto f = backlog_window(fifo);
  EXPECT_GT(f.served, 250) << "the service stays busy";
  EXPECT_LT(f.goodput, 0.15 * f.offered) << "what it serves, nobody waits for";
  EXPECT_FALSE(fifo.recovered()) << fifo.headline();

  // Bounded: the excess is shed, the rest served in time; back at once.
  const auto b = backlog_window(bounded);
  EXPECT_GT(b.goodput, 0.5 * b.offered) << "a bounded queue keeps serving requests in time";
  EXPECT_TRUE(bounded.recovered()) << bounded.headline();
  EXPECT_EQ(bounded.status, 0) << bounded.out;
}
