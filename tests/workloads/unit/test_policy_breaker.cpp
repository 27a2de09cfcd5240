// SPDX-License-Identifier: Apache-2.0
// CircuitBreaker: both modes' state machines on a ManualClock.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "workloads/policy/breaker.hpp"

namespace faultline::workloads::policy {
namespace {

using S = BreakerState;
constexpr int64_t kS = 1'000'000'000;

spec::CircuitBreaker consecutive(uint32_t n, int64_t open_ns, uint32_t probes) {
  spec::CircuitBreaker c;
  c.enabled = true;
  c.consecutive_failures = n;
  c.open_ns = open_ns;
  c.half_open_probes = probes;
  return c;
}

spec::CircuitBreaker rate(uint32_t rate_ppm, uint32_t window, uint32_t min_calls, int64_t open_ns, uint32_t probes) {
  spec::CircuitBreaker c;
  c.enabled = true;
  c.consecutive_failures = 0;
  c.failure_rate_ppm = rate_ppm;
  c.window_calls = window;
  c.min_calls = min_calls;
  c.open_ns = open_ns;
  c.half_open_probes = probes;
  return c;
}

// One admitted call with an outcome; the call must be admitted.
void call(CircuitBreaker& b, bool ok) {
  ASSERT_TRUE(b.try_acquire());
  if (ok)
    b.on_success();
  else
    b.on_failure();
}

TEST(PolicyBreaker, DisabledAlwaysAdmits) {
  ManualClock clock;
  spec::CircuitBreaker c = consecutive(1, kS, 1);
  c.enabled = false;
  CircuitBreaker b(c, clock);
  for (int i = 0; i < 100; ++i) call(b, false);
  EXPECT_EQ(b.state(), S::kClosed);
  EXPECT_EQ(b.counters().transitions(), 0u);
}

TEST(PolicyBreaker, ConsecutiveFailuresOpenAtTheCount) {
  ManualClock clock;
  CircuitBreaker b(consecutive(3, 5 * kS, 2), clock);
  call(b, false);
  call(b, false);
  call(b, true);  // a success resets the run
  call(b, false);
  call(b, false);
  EXPECT_EQ(b.state(), S::kClosed);
  call(b, false);
  EXPECT_EQ(b.state(), S::kOpen);
  EXPECT_FALSE(b.try_acquire());
  EXPECT_EQ(b.counters().rejected, 1u);
  EXPECT_EQ(b.counters().transitions_to[static_cast<size_t>(S::kOpen)], 1u);
}

TEST(PolicyBreaker, StaysOpenForOpenNsThenProbesAndCloses) {
  ManualClock clock;
  CircuitBreaker b(consecutive(1, 5 * kS, 2), clock);
  std::vector<std::pair<S, S>> seen;
  b.set_on_transition([&](S from, S to) { seen.emplace_back(from, to); });
  clock.set(100);
  call(b, false);
  ASSERT_EQ(b.state(), S::kOpen);
  clock.set(100 + 5 * kS - 1);
  EXPECT_FALSE(b.try_acquire());
  EXPECT_EQ(b.state(), S::kOpen);
  clock.set(100 + 5 * kS);
  EXPECT_TRUE(b.try_acquire());  // probe 1
  EXPECT_EQ(b.state(), S::kHalfOpen);
  EXPECT_TRUE(b.try_acquire());  // probe 2
  EXPECT_FALSE(b.try_acquire()); // no more until they are decided
  b.on_success();
  EXPECT_EQ(b.state(), S::kHalfOpen);
  b.on_success();
  EXPECT_EQ(b.state(), S::kClosed);
  const std::vector<std::pair<S, S>> want = {{S::kClosed, S::kOpen}, {S::kOpen, S::kHalfOpen}, {S::kHalfOpen, S::kClosed}};
  EXPECT_EQ(seen, want);
  EXPECT_EQ(b.counters().transitions(), 3u);
  EXPECT_EQ(b.counters().rejected, 2u);
}

TEST(PolicyBreaker, ConsecutiveProbeFailureReopensForAFullOpenTime) {
  ManualClock clock;
  CircuitBreaker b(consecutive(2, 5 * kS, 3), clock);
  call(b, false);
  call(b, false);
  ASSERT_EQ(b.state(), S::kOpen);
  clock.advance(5 * kS);
  call(b, true);
  EXPECT_EQ(b.state(), S::kHalfOpen);
  clock.advance(kS);
  call(b, false);  // any probe failure
  EXPECT_EQ(b.state(), S::kOpen);
  clock.advance(5 * kS - 1);  // counted from the re-opening, not the first
  EXPECT_FALSE(b.try_acquire());
  clock.advance(1);
  EXPECT_TRUE(b.try_acquire());
  EXPECT_EQ(b.counters().transitions_to[static_cast<size_t>(S::kOpen)], 2u);
  EXPECT_EQ(b.counters().transitions_to[static_cast<size_t>(S::kHalfOpen)], 2u);
  EXPECT_EQ(b.counters().transitions_to[static_cast<size_t>(S::kClosed)], 0u);
}

TEST(PolicyBreaker, RateModeWaitsForMinCalls) {
  ManualClock clock;
  CircuitBreaker b(rate(500'000, 10, 5, kS, 2), clock);
  for (int i = 0; i < 4; ++i) call(b, false);  // 100% but only 4 calls
  EXPECT_EQ(b.state(), S::kClosed);
  call(b, false);
  EXPECT_EQ(b.state(), S::kOpen);
}

TEST(PolicyBreaker, RateModeOpensAtTheThresholdNotBelow) {
  ManualClock clock;
  CircuitBreaker b(rate(500'000, 10, 10, kS, 2), clock);
  for (int i = 0; i < 5; ++i) call(b, true);
  for (int i = 0; i < 4; ++i) call(b, false);
  EXPECT_EQ(b.state(), S::kClosed);  // 9 calls: below min_calls
  call(b, true);                     // 4/10 = 40%
  EXPECT_EQ(b.state(), S::kClosed);
  call(b, false);                    // window slides: S S S S F F F F S F = 5/10
  EXPECT_EQ(b.state(), S::kOpen);
}

TEST(PolicyBreaker, RateModeWindowSlides) {
  ManualClock clock;
  CircuitBreaker b(rate(500'000, 4, 4, kS, 2), clock);
  for (bool ok : {false, true, true, true, true, false}) call(b, ok);  // window S S S F: 25%
  EXPECT_EQ(b.state(), S::kClosed);
  call(b, false);  // S S F F: 50%
  EXPECT_EQ(b.state(), S::kOpen);
}

TEST(PolicyBreaker, MinCallsAboveWindowIsCapped) {
  ManualClock clock;
  CircuitBreaker b(rate(500'000, 4, 100, kS, 1), clock);
  for (int i = 0; i < 4; ++i) call(b, false);
  EXPECT_EQ(b.state(), S::kOpen);
}

TEST(PolicyBreaker, RateModeHalfOpenDecidesOnAllProbes) {
  ManualClock clock;
  CircuitBreaker b(rate(500'000, 4, 4, kS, 4), clock);
  for (int i = 0; i < 4; ++i) call(b, false);
  ASSERT_EQ(b.state(), S::kOpen);
  clock.advance(kS);
  for (bool ok : {false, false, true}) call(b, ok);
  EXPECT_EQ(b.state(), S::kHalfOpen);  // 3 of 4 probes decided
  call(b, true);                       // 2/4 = 50% >= 50%
  EXPECT_EQ(b.state(), S::kOpen);
  clock.advance(kS);
  for (bool ok : {false, true, true, true}) call(b, ok);  // 25%
  EXPECT_EQ(b.state(), S::kClosed);
}

TEST(PolicyBreaker, ClosingResetsTheWindow) {
  ManualClock clock;
  CircuitBreaker b(rate(500'000, 10, 5, kS, 1), clock);
  for (int i = 0; i < 5; ++i) call(b, false);
  ASSERT_EQ(b.state(), S::kOpen);
  clock.advance(kS);
  call(b, true);
  ASSERT_EQ(b.state(), S::kClosed);
  for (int i = 0; i < 4; ++i) call(b, false);  // the old failures are forgotten
  EXPECT_EQ(b.state(), S::kClosed);
  call(b, false);
  EXPECT_EQ(b.state(), S::kOpen);
}

TEST(PolicyBreaker, OutcomesWhileOpenAndStaleEpochsAreIgnored) {
  ManualClock clock;
  CircuitBreaker b(consecutive(2, kS, 1), clock);
  ASSERT_TRUE(b.try_acquire());
  const uint64_t slow_epoch = b.epoch();  // a slow call admitted while closed
  call(b, false);
  call(b, false);
  ASSERT_EQ(b.state(), S::kOpen);
  b.on_success();  // an in-flight call finishing while open
  EXPECT_EQ(b.state(), S::kOpen);
  clock.advance(kS);
  ASSERT_TRUE(b.try_acquire());  // the probe
  const uint64_t probe_epoch = b.epoch();
  b.on_failure(slow_epoch);  // the slow call fails now: not a probe outcome
  EXPECT_EQ(b.state(), S::kHalfOpen);
  EXPECT_EQ(b.counters().stale, 1u);
  b.on_success(probe_epoch);
  EXPECT_EQ(b.state(), S::kClosed);
}

TEST(PolicyBreaker, StateNames) {
  EXPECT_STREQ(to_string(S::kClosed), "closed");
  EXPECT_STREQ(to_string(S::kOpen), "open");
  EXPECT_STREQ(to_string(S::kHalfOpen), "half-open");
  EXPECT_EQ(static_cast<int>(S::kHalfOpen), 2);  // the gauge's value
}

}  // namespace
}  // namespace faultline::workloads::policy
