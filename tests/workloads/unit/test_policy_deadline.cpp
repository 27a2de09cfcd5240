// SPDX-License-Identifier: Apache-2.0
// Deadline propagation: the min rule and the relative header.
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>

#include "workloads/policy/deadline.hpp"

namespace faultline::workloads::policy {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(PolicyDeadline, AttemptDeadlineIsTheEarlierOfTimeoutAndCaller) {
  const int64_t now = 1000 * kMs;
  EXPECT_EQ(attempt_deadline(now, std::nullopt, 200 * kMs), now + 200 * kMs);
  EXPECT_EQ(attempt_deadline(now, now + 500 * kMs, 200 * kMs), now + 200 * kMs);
  EXPECT_EQ(attempt_deadline(now, now + 50 * kMs, 200 * kMs), now + 50 * kMs);
  EXPECT_EQ(attempt_deadline(now, now - 1, 200 * kMs), now - 1);  // already expired stays expired
  EXPECT_EQ(attempt_deadline(now, now + 50 * kMs, 0), now + 50 * kMs);  // no own timeout
  EXPECT_EQ(attempt_deadline(now, std::nullopt, 0), kMax);
  EXPECT_EQ(attempt_deadline(now, std::nullopt, kMax), kMax);  // no overflow
}

TEST(PolicyDeadline, RemainingNeverNegative) {
  EXPECT_EQ(remaining_ns(100, 350), 250);
  EXPECT_EQ(remaining_ns(400, 350), 0);
  EXPECT_TRUE(expired(350, 350));
  EXPECT_FALSE(expired(349, 350));
}

TEST(PolicyDeadline, HeaderRoundTrip) {
  EXPECT_EQ(kDeadlineHeader, "x-faultline-timeout-us");
  for (int64_t us : {int64_t{0}, int64_t{1}, int64_t{999}, int64_t{1'500'000}, int64_t{86'400'000'000}}) {
    const std::string v = encode_timeout_header(us * 1000);
    EXPECT_EQ(v, std::to_string(us));
    EXPECT_EQ(decode_timeout_header(v), us * 1000);
  }
}

TEST(PolicyDeadline, EncodingRoundsDownAndClampsAtZero) {
  EXPECT_EQ(encode_timeout_header(1999), "1");
  EXPECT_EQ(encode_timeout_header(999), "0");
  EXPECT_EQ(encode_timeout_header(-5 * kMs), "0");
}

TEST(PolicyDeadline, GarbageIsRejected) {
  for (const char* bad : {"", " ", "-5", "+5", "1.5", "12ms", "0x10", "1 2", "abc", "1e6", "9999999999999999",
                          "\xef\xbc\x95", "5\r"}) {
    EXPECT_EQ(decode_timeout_header(bad), std::nullopt) << '"' << bad << '"';
  }
  EXPECT_EQ(decode_timeout_header(" \t42 "), 42'000);  // optional whitespace, as HTTP allows
  EXPECT_EQ(decode_timeout_header("999999999999999"), 999'999'999'999'999'000);
}

TEST(PolicyDeadline, CallerDeadlineFromHeader) {
  EXPECT_EQ(deadline_from_header(5 * kMs, "300000"), 305 * kMs);
  EXPECT_EQ(deadline_from_header(5 * kMs, "soon"), std::nullopt);
  EXPECT_EQ(deadline_from_header(kMax - 10, "999999999999999"), kMax);
}

TEST(PolicyDeadline, PropagationThroughTwoHops) {
  // A caller with 80 ms left calls with a 200 ms timeout: the callee gets 80
  // ms, then spends 30 ms and calls on with a 1 s timeout: 50 ms are left.
  const int64_t t0 = 7 * kMs;
  const int64_t d1 = attempt_deadline(t0, t0 + 80 * kMs, 200 * kMs);
  const std::string h1 = encode_timeout_header(remaining_ns(t0, d1));
  const auto callee_deadline = deadline_from_header(t0, h1);
  ASSERT_TRUE(callee_deadline);
  const int64_t t1 = t0 + 30 * kMs;
  const int64_t d2 = attempt_deadline(t1, callee_deadline, 1000 * kMs);
  EXPECT_EQ(remaining_ns(t1, d2), 50 * kMs);
}

}  // namespace
}  // namespace faultline::workloads::policy
