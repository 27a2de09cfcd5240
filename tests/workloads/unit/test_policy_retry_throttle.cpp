// SPDX-License-Identifier: Apache-2.0
// RetryThrottle: gRFC A6's token bucket with its example numbers.
#include <gtest/gtest.h>

#include "workloads/policy/retry_throttle.hpp"

namespace faultline::workloads::policy {
namespace {

TEST(PolicyRetryThrottle, GrpcExampleStopsAtHalfAndRecovers) {
  RetryThrottle t(spec::RetryThrottle{10, 0.1});
  EXPECT_TRUE(t.enabled());
  EXPECT_DOUBLE_EQ(t.tokens(), 10.0);
  for (int i = 0; i < 4; ++i) {
    t.on_failure();
    EXPECT_TRUE(t.allows_retry()) << "after failure " << i + 1;
  }
  t.on_failure();  // 5 tokens: "less than or equal to maxTokens / 2" throttles
  EXPECT_DOUBLE_EQ(t.tokens(), 5.0);
  EXPECT_FALSE(t.allows_retry());
  EXPECT_EQ(t.throttled(), 1u);
  t.on_success();  // 5.1 > 5
  EXPECT_TRUE(t.allows_retry());
  t.on_failure();  // 4.1
  EXPECT_FALSE(t.allows_retry());
  EXPECT_EQ(t.throttled(), 2u);
}

TEST(PolicyRetryThrottle, FloorAtZeroAndExactTenthsBackUp) {
  RetryThrottle t(spec::RetryThrottle{10, 0.1});
  for (int i = 0; i < 30; ++i) t.on_failure();
  EXPECT_DOUBLE_EQ(t.tokens(), 0.0);
  for (int i = 0; i < 50; ++i) t.on_success();
  EXPECT_DOUBLE_EQ(t.tokens(), 5.0);  // fifty tenths are exactly 5
  EXPECT_FALSE(t.allows_retry());
  t.on_success();
  EXPECT_TRUE(t.allows_retry());
}

TEST(PolicyRetryThrottle, CapAtMaxTokens) {
  RetryThrottle t(spec::RetryThrottle{10, 0.5});
  for (int i = 0; i < 100; ++i) t.on_success();
  EXPECT_DOUBLE_EQ(t.tokens(), 10.0);
  for (int i = 0; i < 4; ++i) t.on_failure();
  EXPECT_TRUE(t.allows_retry());  // 6 > 5: the cap did not let it bank extra
  t.on_failure();
  EXPECT_FALSE(t.allows_retry());
}

TEST(PolicyRetryThrottle, OddMaxHasAFractionalThreshold) {
  RetryThrottle t(spec::RetryThrottle{3, 0.1});
  t.on_failure();  // 2 > 1.5
  EXPECT_TRUE(t.allows_retry());
  t.on_failure();  // 1 <= 1.5
  EXPECT_FALSE(t.allows_retry());
  for (int i = 0; i < 5; ++i) t.on_success();  // 1.5: still not above
  EXPECT_FALSE(t.allows_retry());
  t.on_success();
  EXPECT_TRUE(t.allows_retry());
}

TEST(PolicyRetryThrottle, ZeroMaxTokensIsOff) {
  RetryThrottle t(spec::RetryThrottle{0, 0.1});
  EXPECT_FALSE(t.enabled());
  for (int i = 0; i < 100; ++i) t.on_failure();
  EXPECT_TRUE(t.allows_retry());
  EXPECT_EQ(t.throttled(), 0u);
}

}  // namespace
}  // namespace faultline::workloads::policy
