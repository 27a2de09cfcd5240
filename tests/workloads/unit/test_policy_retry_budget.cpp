// SPDX-License-Identifier: Apache-2.0
// RetryBudget: Finagle's arithmetic (deposit ratio per request, withdraw one
// per retry, reserve min_per_s * 10 s) and the 10 s window, on a ManualClock.
#include <gtest/gtest.h>

#include "workloads/policy/retry_budget.hpp"

namespace faultline::workloads::policy {
namespace {

constexpr int64_t kS = 1'000'000'000;

int withdraw_all(RetryBudget& b, int limit = 100'000) {
  int n = 0;
  while (n < limit && b.try_withdraw()) ++n;
  return n;
}

TEST(PolicyRetryBudget, RatioOfRequestsPlusReserve) {
  ManualClock clock;
  RetryBudget b(200'000, 3, clock);  // Envoy's numbers: 20%, minimum 3
  for (int i = 0; i < 100; ++i) b.on_request();
  EXPECT_EQ(b.balance_ppm(), 50 * RetryBudget::kUnit);  // 20 earned + 3/s * 10 s reserve
  EXPECT_EQ(withdraw_all(b), 50);
  EXPECT_FALSE(b.try_withdraw());
  EXPECT_EQ(b.counters().deposits, 100u);
  EXPECT_EQ(b.counters().withdrawals, 50u);
  EXPECT_EQ(b.counters().rejections, 2u);  // withdraw_all's last try and the one above
}

TEST(PolicyRetryBudget, ReserveAloneWithoutTraffic) {
  ManualClock clock;
  RetryBudget b(200'000, 3, clock);
  EXPECT_DOUBLE_EQ(b.balance(), 30.0);
  EXPECT_EQ(withdraw_all(b), 30);
}

TEST(PolicyRetryBudget, FractionsAccumulateExactly) {
  ManualClock clock;
  RetryBudget b(200'000, 0, clock);
  for (int i = 0; i < 4; ++i) b.on_request();
  EXPECT_FALSE(b.try_withdraw());  // 0.8 of a retry is not a retry
  b.on_request();
  EXPECT_TRUE(b.try_withdraw());
  EXPECT_FALSE(b.try_withdraw());
  RetryBudget ten(100'000, 0, clock);
  for (int i = 0; i < 1000; ++i) ten.on_request();
  EXPECT_EQ(withdraw_all(ten), 100);
}

TEST(PolicyRetryBudget, DepositsExpireAfterTheTtl) {
  ManualClock clock;
  RetryBudget b(200'000, 0, clock);
  for (int i = 0; i < 100; ++i) b.on_request();
  clock.set(10 * kS - 1);
  EXPECT_EQ(b.balance_ppm(), 20 * RetryBudget::kUnit);
  clock.set(10 * kS);
  EXPECT_EQ(b.balance_ppm(), 0);
  EXPECT_FALSE(b.try_withdraw());
}

TEST(PolicyRetryBudget, ExpiryIsPerSecondSlice) {
  ManualClock clock;
  RetryBudget b(500'000, 0, clock);
  for (int i = 0; i < 10; ++i) b.on_request();  // t = 0: 5 retries
  clock.set(5 * kS + kS / 2);
  for (int i = 0; i < 4; ++i) b.on_request();   // t = 5.5 s: 2 more
  EXPECT_DOUBLE_EQ(b.balance(), 7.0);
  clock.set(10 * kS);
  EXPECT_DOUBLE_EQ(b.balance(), 2.0);           // the t = 0 deposits are gone
  clock.set(15 * kS - 1);
  EXPECT_DOUBLE_EQ(b.balance(), 2.0);           // slice [5 s, 6 s) counts until 15 s
  clock.set(15 * kS);
  EXPECT_DOUBLE_EQ(b.balance(), 0.0);
}

TEST(PolicyRetryBudget, WithdrawalsExpireToo) {
  ManualClock clock;
  RetryBudget b(200'000, 3, clock);
  EXPECT_EQ(withdraw_all(b), 30);  // the reserve is used up
  clock.advance(5 * kS);
  EXPECT_FALSE(b.try_withdraw());
  clock.advance(5 * kS);           // 10 s after the withdrawals
  EXPECT_DOUBLE_EQ(b.balance(), 30.0);
  EXPECT_TRUE(b.try_withdraw());
}

TEST(PolicyRetryBudget, LongIdleGapClearsTheWindow) {
  ManualClock clock(3 * kS);
  RetryBudget b(1'000'000, 0, clock);
  for (int i = 0; i < 7; ++i) b.on_request();
  clock.advance(1000 * kS);
  EXPECT_EQ(b.balance_ppm(), 0);
  b.on_request();
  EXPECT_EQ(b.balance_ppm(), RetryBudget::kUnit);
}

TEST(PolicyRetryBudget, ZeroRatioMeansNoBudget) {
  ManualClock clock;
  RetryBudget b(0, 3, clock);
  EXPECT_FALSE(b.enabled());
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(b.try_withdraw());
  EXPECT_EQ(b.counters().withdrawals, 1000u);
  EXPECT_EQ(b.counters().rejections, 0u);
}

}  // namespace
}  // namespace faultline::workloads::policy
