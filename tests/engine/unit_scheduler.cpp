// SPDX-License-Identifier: Apache-2.0
// TimedQueue with injected times: rate arithmetic, limits, ordering.
#include <gtest/gtest.h>

#include "netem/engine/scheduler.hpp"

namespace faultline::netem::engine {
namespace {

constexpr int64_t kMs = 1'000'000;

QueuedPacket pkt(uint32_t len, uint32_t slot = 0) {
  QueuedPacket p;
  p.len = len;
  p.slot = slot;
  return p;
}

TEST(TimedQueue, SerialisationTimeIsBitsOverRate) {
  TimedQueue q;
  Impairment imp;
  imp.rate_bps = 10'000'000;
  q.configure(imp);
  EXPECT_EQ(q.serialisation_ns(1500), 1'200'000);  // 12000 bits at 10 Mbit/s
  EXPECT_EQ(q.serialisation_ns(64), 51'200);
  imp.overhead_bytes = 24;  // preamble + IFG + FCS
  q.configure(imp);
  EXPECT_EQ(q.serialisation_ns(1500), 1'219'200);
  imp.rate_bps = 3;  // rounded up, never early
  imp.overhead_bytes = 0;
  q.configure(imp);
  EXPECT_EQ(q.serialisation_ns(1), 2'666'666'667);
  imp.rate_bps = 0;
  q.configure(imp);
  EXPECT_EQ(q.serialisation_ns(1500), 0);
}

TEST(TimedQueue, BackToBackPacketsQueueBehindTheBottleneck) {
  TimedQueue q;
  Impairment imp;
  imp.rate_bps = 10'000'000;
  imp.limit_packets = 100;
  q.configure(imp);
  const int64_t t0 = 1'000 * kMs, delay = 20 * kMs;
  std::vector<int64_t> due;
  for (int i = 0; i < 3; ++i) {
    auto p = pkt(1500);
    ASSERT_TRUE(q.enqueue(p, t0, delay, false));
    due.push_back(p.due_ns);
  }
  // next_free = max(now, next_free) + 1.2 ms; due = next_free + delay.
  EXPECT_EQ(due[0], t0 + 1'200'000 + delay);
  EXPECT_EQ(due[1], t0 + 2'400'000 + delay);
  EXPECT_EQ(due[2], t0 + 3'600'000 + delay);
  // After an idle gap the clock restarts at "now".
  auto p = pkt(1500);
  ASSERT_TRUE(q.enqueue(p, t0 + 100 * kMs, delay, false));
  EXPECT_EQ(p.due_ns, t0 + 100 * kMs + 1'200'000 + delay);
}

TEST(TimedQueue, PacketAndByteLimitsTailDrop) {
  TimedQueue q;
  Impairment imp;
  imp.delay_ns = 10 * kMs;
  imp.limit_packets = 10;
  q.configure(imp);
  int accepted = 0;
  for (int i = 0; i < 15; ++i) {
    auto p = pkt(100);
    accepted += q.enqueue(p, 0, imp.delay_ns, false);
  }
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(q.packets(), 10u);
  EXPECT_EQ(q.bytes(), 1000u);
  q.pop();
  auto p = pkt(100);
  EXPECT_TRUE(q.enqueue(p, 0, imp.delay_ns, false)) << "room again after a release";

  TimedQueue b;
  imp.limit_packets = 1000;
  imp.limit_bytes = 3000;
  b.configure(imp);
  accepted = 0;
  for (int i = 0; i < 5; ++i) {
    auto x = pkt(1000);
    accepted += b.enqueue(x, 0, 0, false);
  }
  EXPECT_EQ(accepted, 3);
  EXPECT_EQ(b.max_packets(), 3u);
}

TEST(TimedQueue, DefaultLimitComesFromTheImpairment) {
  TimedQueue q;
  Impairment imp;
  imp.rate_bps = 10'000'000;
  imp.delay_ns = 100 * kMs;
  q.configure(imp);
  EXPECT_EQ(q.limit_packets(), default_limit_packets(imp));
}

TEST(TimedQueue, JitterWithoutRateReordersByDueTime) {
  TimedQueue q;
  Impairment imp;
  imp.delay_ns = 10 * kMs;
  imp.jitter_ns = 5 * kMs;
  q.configure(imp);
  auto a = pkt(100, 1), b = pkt(100, 2);
  ASSERT_TRUE(q.enqueue(a, 0, 14 * kMs, false));
  ASSERT_TRUE(q.enqueue(b, 1 * kMs, 6 * kMs, false));
  EXPECT_EQ(q.pop().slot, 2u) << "tfifo: the earlier due time leaves first";
  EXPECT_EQ(q.pop().slot, 1u);
}

TEST(TimedQueue, RateKeepsOrderEvenWithJitter) {
  TimedQueue q;
  Impairment imp;
  imp.delay_ns = 10 * kMs;
  imp.jitter_ns = 5 * kMs;
  imp.rate_bps = 100'000'000;
  q.configure(imp);
  auto a = pkt(100, 1), b = pkt(100, 2);
  ASSERT_TRUE(q.enqueue(a, 0, 14 * kMs, false));
  ASSERT_TRUE(q.enqueue(b, 1 * kMs, 6 * kMs, false));
  EXPECT_GE(b.due_ns, a.due_ns);
  EXPECT_EQ(q.pop().slot, 1u);
}

TEST(TimedQueue, LoweredDelayDoesNotOvertakeQueuedPackets) {
  TimedQueue q;
  Impairment imp;
  imp.delay_ns = 40 * kMs;
  q.configure(imp);
  auto a = pkt(100, 1);
  ASSERT_TRUE(q.enqueue(a, 0, 40 * kMs, false));
  imp.delay_ns = 10 * kMs;  // live change
  q.configure(imp);
  auto b = pkt(100, 2);
  ASSERT_TRUE(q.enqueue(b, 1 * kMs, 10 * kMs, false));
  EXPECT_EQ(a.due_ns, 40 * kMs) << "queued packets keep their due time";
  EXPECT_EQ(b.due_ns, 40 * kMs) << "no overtaking: held until the older packet leaves";
  auto c = pkt(100, 3);
  ASSERT_TRUE(q.enqueue(c, 50 * kMs, 10 * kMs, false));
  EXPECT_EQ(c.due_ns, 60 * kMs) << "the new delay fully applies once the old ones are out";
  EXPECT_EQ(q.pop().slot, 1u);
  EXPECT_EQ(q.pop().slot, 2u);
}

TEST(TimedQueue, ReorderedPacketsSkipTheDelay) {
  TimedQueue q;
  Impairment imp;
  imp.delay_ns = 10 * kMs;
  q.configure(imp);
  auto a = pkt(100, 1), b = pkt(100, 2);
  ASSERT_TRUE(q.enqueue(a, 0, 10 * kMs, false));
  ASSERT_TRUE(q.enqueue(b, 1 * kMs, 0, true));
  EXPECT_EQ(b.due_ns, 1 * kMs);
  EXPECT_EQ(q.pop().slot, 2u);
}

TEST(TimedQueue, EqualDueTimesLeaveInArrivalOrder) {
  TimedQueue q;
  q.configure(Impairment{});
  for (uint32_t i = 0; i < 100; ++i) {
    auto p = pkt(60, i);
    ASSERT_TRUE(q.enqueue(p, 5, 0, false));
  }
  for (uint32_t i = 0; i < 100; ++i) EXPECT_EQ(q.pop().slot, i);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

}  // namespace
}  // namespace faultline::netem::engine
