// SPDX-License-Identifier: Apache-2.0
// AdmissionQueue: FIFO and LIFO order, shedding when full, by queueing delay
// and for abandoned callers; every shed entry is handed back.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "workloads/policy/admission.hpp"

namespace faultline::workloads::policy {
namespace {

constexpr int64_t kMs = 1'000'000;

struct Shedder {
  std::vector<std::pair<int, Shed>> got;
  auto fn() {
    return [this](int&& v, Shed why) { got.emplace_back(v, why); };
  }
};

AdmissionConfig config(uint32_t capacity, bool lifo, int64_t max_delay = 0, bool drop_abandoned = true) {
  return AdmissionConfig{capacity, lifo, max_delay, drop_abandoned};
}

std::vector<int> drain(AdmissionQueue<int>& q, int64_t now, Shedder& s) {
  std::vector<int> out;
  while (auto e = q.pop(now, s.fn())) out.push_back(e->item);
  return out;
}

void push_ok(AdmissionQueue<int>& q, int v, int64_t now, Shedder& s, std::optional<int64_t> deadline = std::nullopt) {
  ASSERT_EQ(q.push(int{v}, now, deadline, s.fn()), std::nullopt) << v;
}

TEST(PolicyAdmission, FifoServesOldestFirst) {
  AdmissionQueue<int> q(config(8, false));
  Shedder s;
  for (int i = 1; i <= 4; ++i) push_ok(q, i, i, s);
  EXPECT_EQ(q.depth(), 4u);
  EXPECT_EQ(drain(q, 10, s), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(s.got.empty());
}

TEST(PolicyAdmission, LifoServesNewestFirst) {
  AdmissionQueue<int> q(config(8, true));
  Shedder s;
  for (int i = 1; i <= 4; ++i) push_ok(q, i, i, s);
  EXPECT_EQ(drain(q, 10, s), (std::vector<int>{4, 3, 2, 1}));
}

TEST(PolicyAdmission, PopReportsEnqueueTimeAndDeadline) {
  AdmissionQueue<int> q(config(2, false));
  Shedder s;
  push_ok(q, 7, 3 * kMs, s, 50 * kMs);
  auto e = q.pop(10 * kMs, s.fn());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->item, 7);
  EXPECT_EQ(e->enqueued_ns, 3 * kMs);
  EXPECT_EQ(e->deadline_ns, 50 * kMs);
}

TEST(PolicyAdmission, FullShedsAndLeavesTheItemToTheCaller) {
  AdmissionQueue<std::unique_ptr<int>> q(config(2, false));
  auto ignore = [](std::unique_ptr<int>&&, Shed) { FAIL() << "nothing to expire"; };
  auto a = std::make_unique<int>(1), b = std::make_unique<int>(2), c = std::make_unique<int>(3);
  EXPECT_EQ(q.push(std::move(a), 0, std::nullopt, ignore), std::nullopt);
  EXPECT_EQ(q.push(std::move(b), 0, std::nullopt, ignore), std::nullopt);
  EXPECT_EQ(q.push(std::move(c), 0, std::nullopt, ignore), Shed::kQueueFull);
  ASSERT_TRUE(c);  // not moved from: the caller answers it
  EXPECT_EQ(*c, 3);
  EXPECT_EQ(q.depth(), 2u);
  EXPECT_EQ(q.counters().shed[static_cast<size_t>(Shed::kQueueFull)], 1u);
  EXPECT_EQ(q.counters().pushed, 2u);
}

TEST(PolicyAdmission, ZeroCapacityShedsEverything) {
  AdmissionQueue<int> q(config(0, false));
  Shedder s;
  EXPECT_EQ(q.push(1, 0, std::nullopt, s.fn()), Shed::kQueueFull);
  EXPECT_FALSE(q.pop(0, s.fn()));
}

TEST(PolicyAdmission, DelayBoundShedsOldEntries) {
  AdmissionQueue<int> q(config(8, false, 10 * kMs));
  Shedder s;
  push_ok(q, 1, 0, s);
  push_ok(q, 2, 2 * kMs, s);
  push_ok(q, 3, 5 * kMs, s);
  // At 12 ms: 1 waited 12 ms (shed), 2 waited exactly 10 ms (kept: the bound is inclusive).
  auto e = q.pop(12 * kMs, s.fn());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->item, 2);
  EXPECT_EQ(s.got, (std::vector<std::pair<int, Shed>>{{1, Shed::kQueueDelay}}));
  EXPECT_EQ(q.counters().shed[static_cast<size_t>(Shed::kQueueDelay)], 1u);
  EXPECT_EQ(q.oldest_delay_ns(12 * kMs), 7 * kMs);
}

TEST(PolicyAdmission, LifoStillShedsTheOldestByDelay) {
  AdmissionQueue<int> q(config(8, true, 10 * kMs));
  Shedder s;
  push_ok(q, 1, 0, s);
  push_ok(q, 2, 1 * kMs, s);
  push_ok(q, 3, 9 * kMs, s);
  auto e = q.pop(15 * kMs, s.fn());  // 1 and 2 are too old though 3 is served first
  ASSERT_TRUE(e);
  EXPECT_EQ(e->item, 3);
  EXPECT_EQ(s.got, (std::vector<std::pair<int, Shed>>{{1, Shed::kQueueDelay}, {2, Shed::kQueueDelay}}));
  EXPECT_TRUE(q.empty());
}

TEST(PolicyAdmission, FullQueueMakesRoomByExpiringOldEntries) {
  AdmissionQueue<int> q(config(2, false, 10 * kMs));
  Shedder s;
  push_ok(q, 1, 0, s);
  push_ok(q, 2, 8 * kMs, s);
  EXPECT_EQ(q.push(3, 10 * kMs, std::nullopt, s.fn()), Shed::kQueueFull);  // nothing old enough yet
  push_ok(q, 4, 11 * kMs, s);  // 1 is now past the bound
  EXPECT_EQ(s.got, (std::vector<std::pair<int, Shed>>{{1, Shed::kQueueDelay}}));
  EXPECT_EQ(drain(q, 12 * kMs, s), (std::vector<int>{2, 4}));
}

TEST(PolicyAdmission, AbandonedEntriesAreSkipped) {
  AdmissionQueue<int> q(config(8, false));
  Shedder s;
  push_ok(q, 1, 0, s, 5 * kMs);
  push_ok(q, 2, 0, s, 20 * kMs);
  push_ok(q, 3, 0, s);  // no caller deadline
  EXPECT_EQ(drain(q, 5 * kMs, s), (std::vector<int>{2, 3}));  // a deadline equal to now has passed
  EXPECT_EQ(s.got, (std::vector<std::pair<int, Shed>>{{1, Shed::kAbandoned}}));
  EXPECT_EQ(q.counters().shed[static_cast<size_t>(Shed::kAbandoned)], 1u);
  EXPECT_EQ(q.counters().popped, 2u);
}

TEST(PolicyAdmission, AbandonedAreServedWhenNotDropping) {
  AdmissionQueue<int> q(config(8, false, 0, false));
  Shedder s;
  push_ok(q, 1, 0, s, 5 * kMs);
  EXPECT_EQ(drain(q, 6 * kMs, s), (std::vector<int>{1}));
  EXPECT_TRUE(s.got.empty());
}

TEST(PolicyAdmission, SweepRemovesAbandonedFromTheMiddleKeepingOrder) {
  AdmissionQueue<int> q(config(4, false, 100 * kMs));
  Shedder s;
  // Wrap the ring first so the sweep works across its end.
  push_ok(q, 0, 0, s);
  push_ok(q, 0, 0, s);
  drain(q, 0, s);
  push_ok(q, 1, 1 * kMs, s);
  push_ok(q, 2, 1 * kMs, s, 3 * kMs);
  push_ok(q, 3, 1 * kMs, s);
  push_ok(q, 4, 1 * kMs, s, 2 * kMs);
  q.sweep(4 * kMs, s.fn());
  EXPECT_EQ(s.got, (std::vector<std::pair<int, Shed>>{{2, Shed::kAbandoned}, {4, Shed::kAbandoned}}));
  EXPECT_EQ(q.depth(), 2u);
  push_ok(q, 5, 4 * kMs, s);
  EXPECT_EQ(drain(q, 4 * kMs, s), (std::vector<int>{1, 3, 5}));
}

TEST(PolicyAdmission, RingKeepsFifoOrderAcrossManyWraps) {
  AdmissionQueue<int> q(config(3, false));
  Shedder s;
  int next_in = 0, next_out = 0;
  for (int round = 0; round < 100; ++round) {
    const int n = 1 + round % 3;
    for (int i = 0; i < n; ++i) push_ok(q, next_in++, round, s);
    for (int i = 0; i < n; ++i) {
      auto e = q.pop(round, s.fn());
      ASSERT_TRUE(e);
      ASSERT_EQ(e->item, next_out++);
    }
  }
  EXPECT_TRUE(q.empty());
}

TEST(PolicyAdmission, GrowsWhileWrappedUpToTheCapacity) {
  // Past the first 64 slots the ring doubles; entries keep their order
  // whether the ring had wrapped or not, and the capacity still holds.
  for (bool lifo : {false, true}) {
    AdmissionQueue<int> q(config(150, lifo));
    Shedder s;
    int next_in = 0;
    std::vector<int> expect;
    for (int i = 0; i < 40; ++i) push_ok(q, next_in++, 0, s);
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(q.pop(0, s.fn()));  // head moves, the ring wraps later
    while (q.depth() < 150) push_ok(q, next_in++, 0, s);
    EXPECT_EQ(q.push(999, 0, std::nullopt, s.fn()), Shed::kQueueFull);
    // FIFO popped 0..29 and keeps 30..179; LIFO popped 39..10 and keeps 0..9, 40..179.
    if (lifo) {
      for (int v = next_in - 1; v >= 40; --v) expect.push_back(v);
      for (int v = 9; v >= 0; --v) expect.push_back(v);
    } else {
      for (int v = 30; v < next_in; ++v) expect.push_back(v);
    }
    EXPECT_EQ(drain(q, 0, s), expect) << (lifo ? "lifo" : "fifo");
  }
}

TEST(PolicyAdmission, ConfigFromService) {
  spec::Service svc;
  svc.queue = 7;
  svc.lifo = true;
  svc.max_queue_delay_ns = 3 * kMs;
  svc.drop_abandoned = false;
  const auto c = admission_config(svc);
  EXPECT_EQ(c.capacity, 7u);
  EXPECT_TRUE(c.lifo);
  EXPECT_EQ(c.max_queue_delay_ns, 3 * kMs);
  EXPECT_FALSE(c.drop_abandoned);
  EXPECT_STREQ(to_string(Shed::kQueueDelay), "queue_delay");
}

}  // namespace
}  // namespace faultline::workloads::policy
