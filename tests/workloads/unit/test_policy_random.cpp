// SPDX-License-Identifier: Apache-2.0
// Rng: determinism, ranges, and the moments of every duration distribution
// over 200k draws with a fixed seed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "workloads/policy/random.hpp"

namespace faultline::workloads::policy {
namespace {

using Kind = spec::DurationDist::Kind;
constexpr int kDraws = 200'000;

struct Moments {
  double mean = 0, sd = 0;
  int64_t min = INT64_MAX, max = INT64_MIN;
};

Moments moments(Rng& rng, const spec::DurationDist& d, int n = kDraws) {
  Moments m;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const int64_t v = rng.sample(d);
    sum += static_cast<double>(v);
    sum2 += static_cast<double>(v) * static_cast<double>(v);
    m.min = std::min(m.min, v);
    m.max = std::max(m.max, v);
  }
  m.mean = sum / n;
  m.sd = std::sqrt(std::max(0.0, sum2 / n - m.mean * m.mean));
  return m;
}

TEST(PolicyRng, SplitMix64KnownAnswer) {
  // First outputs of splitmix64 from state 0 (Vigna's reference splitmix64.c).
  uint64_t state = 0;
  EXPECT_EQ(splitmix64(state), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(splitmix64(state), 0x6e789e6aa1b965f4ULL);
}

TEST(PolicyRng, SameSeedSameSequence) {
  Rng a(42), b(42), c(43);
  int same_as_c = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.next_u64();
    ASSERT_EQ(x, b.next_u64()) << "draw " << i;
    if (x == c.next_u64()) ++same_as_c;
  }
  EXPECT_EQ(same_as_c, 0);
}

TEST(PolicyRng, ForkDependsOnSeedAndStreamOnly) {
  Rng parent(7);
  Rng f1 = parent.fork(1);
  for (int i = 0; i < 100; ++i) parent.next_u64();
  Rng f1_later = parent.fork(1);
  Rng f2 = parent.fork(2);
  Rng fresh(7);
  int collisions = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = f1.next_u64();
    ASSERT_EQ(x, f1_later.next_u64());
    if (x == f2.next_u64()) ++collisions;
    if (x == fresh.next_u64()) ++collisions;
  }
  EXPECT_EQ(collisions, 0);
  EXPECT_NE(Rng(7).fork(0).next_u64(), Rng(7).next_u64());
  EXPECT_NE(Rng(7).fork(1).next_u64(), Rng(8).fork(1).next_u64());
}

TEST(PolicyRng, Uniform01InRangeWithMeanHalf) {
  Rng rng(1);
  double sum = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double u = rng.uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / kDraws, 0.5, 0.005);
}

TEST(PolicyRng, BelowIsInRangeAndUniform) {
  Rng rng(2);
  EXPECT_EQ(rng.below(0), 0u);
  EXPECT_EQ(rng.below(1), 0u);
  std::vector<int> counts(10, 0);
  for (int i = 0; i < kDraws; ++i) {
    const uint64_t v = rng.below(10);
    ASSERT_LT(v, 10u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, kDraws / 10, kDraws / 10 * 0.03);
  // A bound that is not a power of two and near 2^64 still stays below it.
  const uint64_t big = (uint64_t{1} << 63) + 12345;
  for (int i = 0; i < 1000; ++i) ASSERT_LT(rng.below(big), big);
}

TEST(PolicyRng, BernoulliPpm) {
  Rng rng(3);
  int hits = 0;
  for (int i = 0; i < kDraws; ++i) hits += rng.bernoulli_ppm(200'000);
  EXPECT_NEAR(static_cast<double>(hits) / kDraws, 0.2, 0.005);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_FALSE(rng.bernoulli_ppm(0));
    ASSERT_TRUE(rng.bernoulli_ppm(1'000'000));
  }
}

TEST(PolicyRng, ConstantIsExact) {
  Rng rng(4);
  const spec::DurationDist d{Kind::kConstant, 1'500'000, 0, 0.0};
  for (int i = 0; i < 100; ++i) ASSERT_EQ(rng.sample(d), 1'500'000);
  EXPECT_EQ(rng.sample(spec::DurationDist{Kind::kConstant, -5, 0, 0.0}), 0);
}

TEST(PolicyRng, ExponentialMeanAndSd) {
  Rng rng(5);
  const auto m = moments(rng, {Kind::kExponential, 2'000'000, 0, 0.0});
  EXPECT_NEAR(m.mean, 2e6, 2e6 * 0.02);
  EXPECT_NEAR(m.sd, 2e6, 2e6 * 0.03);  // an exponential's sd equals its mean
  EXPECT_GE(m.min, 0);
}

TEST(PolicyRng, LognormalMeanAndSd) {
  Rng rng(6);
  const auto m = moments(rng, {Kind::kLognormal, 10'000'000, 5'000'000, 0.0});
  EXPECT_NEAR(m.mean, 10e6, 10e6 * 0.02);
  EXPECT_NEAR(m.sd, 5e6, 5e6 * 0.05);
  EXPECT_GT(m.min, 0);
}

TEST(PolicyRng, ParetoMeanAndScale) {
  Rng rng(7);
  // As the loader writes "pareto(3ms, 3)": xm = mean (alpha - 1) / alpha = 2 ms.
  const spec::DurationDist d{Kind::kPareto, 3'000'000, 2'000'000, 3.0};
  const auto m = moments(rng, d);
  EXPECT_NEAR(m.mean, 3e6, 3e6 * 0.03);
  EXPECT_GE(m.min, 2'000'000);  // nothing below the scale
  EXPECT_LT(m.min, 2'001'000);  // and the scale is reached
  // Without a scale, it is derived from the mean and alpha.
  Rng rng2(7);
  const auto m2 = moments(rng2, {Kind::kPareto, 3'000'000, 0, 3.0});
  EXPECT_NEAR(m2.mean, 3e6, 3e6 * 0.03);
  EXPECT_GE(m2.min, 2'000'000);
}

TEST(PolicyRng, ParetoHeavyTailNeverOverflows) {
  Rng rng(8);
  const spec::DurationDist d{Kind::kPareto, 1'000'000'000, 90'909'091, 1.1};
  for (int i = 0; i < kDraws; ++i) {
    const int64_t v = rng.sample(d);
    ASSERT_GE(v, 90'909'091);
    ASSERT_LE(v, Rng::kMaxSampleNs);
  }
}

TEST(PolicyRng, UniformMeanAndRange) {
  Rng rng(9);
  const auto m = moments(rng, {Kind::kUniform, 5'000'000, 1'000'000, 0.0});
  EXPECT_NEAR(m.mean, 5e6, 5e6 * 0.01);
  EXPECT_GE(m.min, 4'000'000);
  EXPECT_LE(m.max, 6'000'000);
  EXPECT_NEAR(m.sd, 1e6 / std::sqrt(3.0), 1e6 / std::sqrt(3.0) * 0.02);
}

TEST(PolicyRng, NormalMeanAndSd) {
  Rng rng(10);
  const auto m = moments(rng, {Kind::kNormal, 10'000'000, 2'000'000, 0.0});
  EXPECT_NEAR(m.mean, 10e6, 10e6 * 0.01);
  EXPECT_NEAR(m.sd, 2e6, 2e6 * 0.02);
}

TEST(PolicyRng, NormalIsClampedAtZero) {
  Rng rng(11);
  int zeros = 0;
  for (int i = 0; i < kDraws; ++i) {
    const int64_t v = rng.sample({Kind::kNormal, 1'000'000, 5'000'000, 0.0});
    ASSERT_GE(v, 0);
    zeros += v == 0;
  }
  // P(N(1, 5) < 0) = Phi(-0.2) = 0.4207.
  EXPECT_NEAR(static_cast<double>(zeros) / kDraws, 0.4207, 0.01);
}

TEST(PolicyRng, SampleIsDeterministic) {
  Rng a(12), b(12);
  const spec::DurationDist d{Kind::kLognormal, 1'000'000, 3'000'000, 0.0};
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.sample(d), b.sample(d));
}

}  // namespace
}  // namespace faultline::workloads::policy
