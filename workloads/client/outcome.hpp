// SPDX-License-Identifier: Apache-2.0
// What one downstream call came to: the caller (a service endpoint or the
// load generator) reads ok/fallback_used, metrics read cause and attempts.
#pragma once

#include <cstdint>
#include <string_view>

#include "workloads/trace/span.hpp"

namespace faultline::workloads::client {

// Why a call (or one attempt of it) failed. The strings are the values of
// the `cause` label in metrics (docs/metrics.md).
enum class Cause : uint8_t {
  kOk,
  kTimeout,          // the attempt's own timeout passed without an answer
  kDeadline,         // the caller's deadline passed (or left no time for a retry)
  kConnect,          // no connection, or it broke before the answer was read
  kHttp5xx,          // the callee answered 5xx (other than 503)
  kShed,             // the callee answered 503: it shed the request
  kHttp4xx,          // the callee answered 4xx: not retried
  kBreakerOpen,      // the circuit breaker refused the call
  kBudgetExhausted,  // a retry was due but the retry budget had none left
  kThrottled,        // a retry was due but the retry throttle refused it
};
inline constexpr int kCauseCount = 10;

// The `cause` label's value: the span causes' names (the same values).
constexpr std::string_view to_string(Cause c) { return trace::to_string(static_cast<trace::SpanCause>(c)); }
static_assert(static_cast<int>(Cause::kThrottled) == static_cast<int>(trace::SpanCause::kThrottled) &&
                  static_cast<int>(Cause::kShed) == static_cast<int>(trace::SpanCause::kShed) &&
                  static_cast<int>(Cause::kBreakerOpen) == static_cast<int>(trace::SpanCause::kBreakerOpen) &&
                  kCauseCount == static_cast<int>(trace::SpanCause::kThrottled) + 1,
              "client::Cause and trace::SpanCause share their first values");

// The failure cause of an HTTP status, kOk for a success (1xx..3xx).
constexpr Cause cause_of_status(unsigned status) {
  if (status == 503) return Cause::kShed;
  if (status >= 500) return Cause::kHttp5xx;
  if (status >= 400) return Cause::kHttp4xx;
  return Cause::kOk;
}

// Failures worth another attempt: the callee may answer next time. A 4xx
// would be answered the same way again.
constexpr bool retriable(Cause c) {
  return c == Cause::kTimeout || c == Cause::kConnect || c == Cause::kHttp5xx || c == Cause::kShed;
}

struct Outcome {
  bool ok = false;             // success, or failure answered by the fallback
  unsigned status = 0;         // HTTP status of the answer that decided it; 0: none
  Cause cause = Cause::kOk;    // kOk on success; else why it failed (also with a fallback)
  uint32_t attempts = 0;       // requests sent: first, retries and hedges
  bool fallback_used = false;  // the call failed and the fallback answered
  bool skipped = false;        // probability said no call (ok, no attempts)
};

}  // namespace faultline::workloads::client
