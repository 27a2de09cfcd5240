// SPDX-License-Identifier: Apache-2.0
// The request mix draws paths by weight; routes parse the control query.
#include <gtest/gtest.h>

#include <map>

#include "workloads/loadgen/log_histogram.hpp"
#include "workloads/loadgen/mix.hpp"
#include "workloads/loadgen/routes.hpp"

namespace faultline::workloads::loadgen {
namespace {

spec::RequestKind kind(const char* path, uint32_t w) {
  spec::RequestKind k;
  k.path = path;
  k.weight = w;
  return k;
}

TEST(LoadgenMix, DrawsByWeight) {
  RequestMix mix({kind("/a", 1), kind("/b", 3), kind("/never", 0), kind("/c", 6)});
  ASSERT_EQ(mix.size(), 3u);
  policy::Rng rng(5);
  std::map<std::string, int> n;
  const int total = 100'000;
  for (int i = 0; i < total; ++i) ++n[mix.path(mix.pick(rng))];
  EXPECT_EQ(n.count("/never"), 0u);
  // Binomial sds: ~95, ~145, ~155.
  EXPECT_NEAR(n["/a"], 10'000, 600);
  EXPECT_NEAR(n["/b"], 30'000, 800);
  EXPECT_NEAR(n["/c"], 60'000, 800);
}

TEST(LoadgenMix, EmptyMixAsksForRoot) {
  RequestMix mix({});
  policy::Rng rng(1);
  EXPECT_EQ(mix.path(mix.pick(rng)), "/");
  RequestMix zero({kind("/x", 0)});
  EXPECT_EQ(zero.path(zero.pick(rng)), "/");
}

TEST(LoadgenMix, SingleKindNeedsNoDraw) {
  RequestMix mix({kind("/only", 7)});
  policy::Rng a(1), b(1);
  EXPECT_EQ(mix.path(mix.pick(a)), "/only");
  EXPECT_EQ(a(), b());  // the stream was not consumed
}

TEST(LoadgenRoutes, QueryParam) {
  EXPECT_EQ(query_param("/control/rate?value=12.5", "value"), "12.5");
  EXPECT_EQ(query_param("/control/rate?x=1&value=3", "value"), "3");
  EXPECT_EQ(query_param("/control/rate?values=3", "value"), std::nullopt);
  EXPECT_EQ(query_param("/control/rate", "value"), std::nullopt);
  EXPECT_EQ(query_param("/control/rate?value", "value"), "");
}

TEST(LoadgenRoutes, ParseRate) {
  EXPECT_EQ(parse_rate("1000"), 1000.0);
  EXPECT_EQ(parse_rate("0.5"), 0.5);
  EXPECT_EQ(parse_rate("0"), 0.0);
  EXPECT_EQ(parse_rate("-1"), std::nullopt);
  EXPECT_EQ(parse_rate("1e3x"), std::nullopt);
  EXPECT_EQ(parse_rate(""), std::nullopt);
  EXPECT_EQ(parse_rate("inf"), std::nullopt);
  EXPECT_EQ(parse_rate("nan"), std::nullopt);
}

TEST(LoadgenLogHistogram, PercentilesWithinThreePercent) {
  LogHistogram h;
  for (int64_t v = 1; v <= 100'000; ++v) h.record(v * 1000);  // 1 us .. 100 ms, uniform
  EXPECT_EQ(h.count(), 100'000u);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.5)), 50e6, 50e6 * 0.03);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.99)), 99e6, 99e6 * 0.03);
  EXPECT_EQ(h.max(), 100'000'000u);
  EXPECT_NEAR(h.mean(), 50'000'500, 1);
  LogHistogram small;
  for (int v : {3, 3, 3, 90}) small.record(v);
  EXPECT_EQ(small.percentile(0.5), 3u);  // exact below 64 ns
  EXPECT_EQ(small.percentile(1.0), 90u);
}

}  // namespace
}  // namespace faultline::workloads::loadgen
