// SPDX-License-Identifier: Apache-2.0
// How answers map to causes, and which causes are retried.
#include <gtest/gtest.h>

#include "workloads/client/outcome.hpp"

namespace faultline::workloads::client {
namespace {

TEST(ClientOutcome, StatusToCause) {
  EXPECT_EQ(cause_of_status(200), Cause::kOk);
  EXPECT_EQ(cause_of_status(204), Cause::kOk);
  EXPECT_EQ(cause_of_status(302), Cause::kOk);
  EXPECT_EQ(cause_of_status(404), Cause::kHttp4xx);
  EXPECT_EQ(cause_of_status(500), Cause::kHttp5xx);
  EXPECT_EQ(cause_of_status(502), Cause::kHttp5xx);
  EXPECT_EQ(cause_of_status(503), Cause::kShed);
}

TEST(ClientOutcome, WhatIsRetried) {
  EXPECT_TRUE(retriable(Cause::kHttp5xx));
  EXPECT_TRUE(retriable(Cause::kShed));
  EXPECT_TRUE(retriable(Cause::kTimeout));
  EXPECT_TRUE(retriable(Cause::kConnect));
  EXPECT_FALSE(retriable(Cause::kHttp4xx));
  EXPECT_FALSE(retriable(Cause::kDeadline));  // the caller is gone
  EXPECT_FALSE(retriable(Cause::kBreakerOpen));
  EXPECT_FALSE(retriable(Cause::kOk));
}

TEST(ClientOutcome, LabelValuesAreDistinct) {
  for (int i = 0; i < kCauseCount; ++i)
    for (int j = i + 1; j < kCauseCount; ++j)
      EXPECT_NE(to_string(static_cast<Cause>(i)), to_string(static_cast<Cause>(j)));
  EXPECT_EQ(to_string(Cause::kBudgetExhausted), "budget_exhausted");
  EXPECT_EQ(to_string(Cause::kHttp5xx), "http_5xx");
}

}  // namespace
}  // namespace faultline::workloads::client
