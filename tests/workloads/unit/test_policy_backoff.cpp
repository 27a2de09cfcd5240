// SPDX-License-Identifier: Apache-2.0
// Backoff: the plain sequences exactly, and each jitter's range and mean over
// many draws with a fixed seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "workloads/policy/backoff.hpp"

namespace faultline::workloads::policy {
namespace {

using K = spec::Backoff::Kind;
using J = spec::Backoff::Jitter;
constexpr int64_t kMs = 1'000'000;
constexpr int kDraws = 50'000;

spec::Backoff cfg(K kind, J jitter, int64_t base, int64_t cap, double mult = 2.0) {
  return spec::Backoff{kind, jitter, base, cap, mult};
}

struct Range {
  int64_t min = INT64_MAX, max = INT64_MIN;
  double mean = 0;
};

// Draws retry `n` of fresh sequences (so decorrelated starts from base).
Range draws(const spec::Backoff& c, uint32_t n, Rng& rng) {
  Range r;
  double sum = 0;
  for (int i = 0; i < kDraws; ++i) {
    Backoff b(c);
    int64_t v = 0;
    for (uint32_t k = 1; k <= n; ++k) v = b.next_ns(k, rng);
    r.min = std::min(r.min, v);
    r.max = std::max(r.max, v);
    sum += static_cast<double>(v);
  }
  r.mean = sum / kDraws;
  return r;
}

TEST(PolicyBackoff, NoneIsZero) {
  Rng rng(1);
  Backoff b(cfg(K::kNone, J::kFull, 25 * kMs, 250 * kMs));
  for (uint32_t n = 1; n < 10; ++n) EXPECT_EQ(b.next_ns(n, rng), 0);
}

TEST(PolicyBackoff, ConstantWithoutJitter) {
  Rng rng(1);
  Backoff b(cfg(K::kConstant, J::kNone, 40 * kMs, 40 * kMs, 1.0));
  for (uint32_t n = 1; n < 10; ++n) EXPECT_EQ(b.next_ns(n, rng), 40 * kMs);
}

TEST(PolicyBackoff, ExponentialDoublesUpToTheCap) {
  // Envoy's defaults: 25 ms base, cap 10x.
  Rng rng(1);
  Backoff b(cfg(K::kExponential, J::kNone, 25 * kMs, 250 * kMs));
  const int64_t want[] = {25, 50, 100, 200, 250, 250, 250};
  for (uint32_t n = 1; n <= 7; ++n) EXPECT_EQ(b.next_ns(n, rng), want[n - 1] * kMs) << "retry " << n;
}

TEST(PolicyBackoff, GrpcMultiplierAndHugeRetryIndex) {
  // gRPC connection backoff: 1 s initial, x1.6, 120 s max.
  Rng rng(1);
  Backoff b(cfg(K::kExponential, J::kNone, 1000 * kMs, 120'000 * kMs, 1.6));
  EXPECT_EQ(b.next_ns(1, rng), 1000 * kMs);
  EXPECT_EQ(b.next_ns(2, rng), 1600 * kMs);
  EXPECT_EQ(b.next_ns(3, rng), 2560 * kMs);
  EXPECT_EQ(b.next_ns(11, rng), 109'951'162'777);  // 1.6^10 s, truncated to ns
  EXPECT_EQ(b.next_ns(12, rng), 120'000 * kMs);
  EXPECT_EQ(b.next_ns(100'000, rng), 120'000 * kMs);  // no overflow
}

TEST(PolicyBackoff, FullJitterIsUniformBelowTheDelay) {
  Rng rng(2);
  const auto c = cfg(K::kExponential, J::kFull, 25 * kMs, 250 * kMs);
  const auto r = draws(c, 3, rng);  // d = 100 ms
  EXPECT_GE(r.min, 0);
  EXPECT_LE(r.max, 100 * kMs);
  EXPECT_LT(r.min, 1 * kMs);   // reaches near both ends
  EXPECT_GT(r.max, 99 * kMs);
  EXPECT_NEAR(r.mean, 50 * kMs, 50 * kMs * 0.02);
}

TEST(PolicyBackoff, EqualJitterKeepsHalf) {
  Rng rng(3);
  const auto c = cfg(K::kExponential, J::kEqual, 25 * kMs, 250 * kMs);
  const auto r = draws(c, 3, rng);  // d = 100 ms
  EXPECT_GE(r.min, 50 * kMs);
  EXPECT_LE(r.max, 100 * kMs);
  EXPECT_LT(r.min, 51 * kMs);
  EXPECT_GT(r.max, 99 * kMs);
  EXPECT_NEAR(r.mean, 75 * kMs, 75 * kMs * 0.01);
}

TEST(PolicyBackoff, JitterBoundsWithAnOddDelay) {
  // d = 3 ns: equal jitter is ceil(d/2) + U[0, floor(d/2)] = 2 or 3, never 1;
  // full jitter takes all of 0..3.
  Rng rng(10);
  Backoff equal(cfg(K::kConstant, J::kEqual, 3, 3, 1.0));
  Backoff full(cfg(K::kConstant, J::kFull, 3, 3, 1.0));
  int equal_seen[4] = {}, full_seen[4] = {};
  for (int i = 0; i < 4000; ++i) {
    const int64_t e = equal.next_ns(1, rng), f = full.next_ns(1, rng);
    ASSERT_GE(e, 0);
    ASSERT_LE(e, 3);
    ASSERT_GE(f, 0);
    ASSERT_LE(f, 3);
    ++equal_seen[e];
    ++full_seen[f];
  }
  EXPECT_EQ(equal_seen[0] + equal_seen[1], 0);
  EXPECT_GT(equal_seen[2], 1500);
  EXPECT_GT(equal_seen[3], 1500);
  for (int v = 0; v < 4; ++v) EXPECT_GT(full_seen[v], 800) << v;
}

TEST(PolicyBackoff, ConstantWithFullJitter) {
  Rng rng(4);
  const auto r = draws(cfg(K::kConstant, J::kFull, 40 * kMs, 40 * kMs, 1.0), 5, rng);
  EXPECT_GE(r.min, 0);
  EXPECT_LE(r.max, 40 * kMs);
  EXPECT_NEAR(r.mean, 20 * kMs, 20 * kMs * 0.02);
}

TEST(PolicyBackoff, DecorrelatedStaysWithinBaseThreeTimesPreviousAndCap) {
  Rng rng(5);
  const int64_t base = 10 * kMs, cap = 1000 * kMs;
  for (int seq = 0; seq < 2000; ++seq) {
    Backoff b(cfg(K::kExponential, J::kDecorrelated, base, cap));
    int64_t prev = base;
    for (uint32_t n = 1; n <= 12; ++n) {
      const int64_t v = b.next_ns(n, rng);
      ASSERT_GE(v, base);
      ASSERT_LE(v, std::min(cap, 3 * prev));
      prev = v;
    }
  }
}

TEST(PolicyBackoff, DecorrelatedMeans) {
  Rng rng(6);
  const int64_t base = 10 * kMs;
  const auto c = cfg(K::kExponential, J::kDecorrelated, base, 100'000 * kMs);
  // First sleep: U[base, 3 base], mean 2 base.
  EXPECT_NEAR(draws(c, 1, rng).mean, 2.0 * base, 2.0 * base * 0.01);
  // Second: U[base, 3 s1], E = (base + 3 E[s1]) / 2 = 3.5 base.
  EXPECT_NEAR(draws(c, 2, rng).mean, 3.5 * base, 3.5 * base * 0.02);
}

TEST(PolicyBackoff, DecorrelatedCapIsRespectedAndRetryOneRestarts) {
  Rng rng(7);
  const int64_t base = 10 * kMs, cap = 50 * kMs;
  Backoff b(cfg(K::kExponential, J::kDecorrelated, base, cap));
  int at_cap = 0;
  for (uint32_t n = 1; n <= 200; ++n) {
    const int64_t v = b.next_ns(n, rng);
    ASSERT_LE(v, cap);
    at_cap += v == cap;
  }
  EXPECT_GT(at_cap, 50);  // it grows into the cap and stays near it
  for (int i = 0; i < 1000; ++i) ASSERT_LE(b.next_ns(1, rng), 3 * base);  // a new sequence
}

TEST(PolicyBackoff, CapRespectedByEveryJitter) {
  Rng rng(8);
  for (J j : {J::kNone, J::kFull, J::kEqual, J::kDecorrelated}) {
    Backoff b(cfg(K::kExponential, j, 25 * kMs, 250 * kMs));
    for (uint32_t n = 1; n <= 64; ++n) ASSERT_LE(b.next_ns(n, rng), 250 * kMs) << static_cast<int>(j);
  }
}

TEST(PolicyBackoff, SameSeedSameSleeps) {
  Rng a(9), b(9);
  Backoff x(spec::Backoff{}), y(spec::Backoff{});
  for (uint32_t n = 1; n <= 20; ++n) ASSERT_EQ(x.next_ns(n, a), y.next_ns(n, b));
}

}  // namespace
}  // namespace faultline::workloads::policy
