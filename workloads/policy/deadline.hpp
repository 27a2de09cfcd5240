// SPDX-License-Identifier: Apache-2.0
// Deadline propagation: a request never waits downstream longer than its
// caller still waits for it. The caller's remaining time travels as a
// relative header, like gRPC's grpc-timeout
// (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md): relative,
// so the two hosts' clocks need not agree; microseconds, as decimal digits.
// Absolute deadlines are ns on the process's monotonic clock (Clock).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace faultline::workloads::policy {

inline constexpr std::string_view kDeadlineHeader = "x-faultline-timeout-us";
// Longest accepted header value: 15 digits is ~31 years, far below overflow.
inline constexpr size_t kMaxDeadlineDigits = 15;

// Time left until deadline_ns, never negative.
inline int64_t remaining_ns(int64_t now_ns, int64_t deadline_ns) { return std::max<int64_t>(0, deadline_ns - now_ns); }

inline bool expired(int64_t now_ns, int64_t deadline_ns) { return deadline_ns <= now_ns; }

// The absolute deadline of one attempt made at now_ns with timeout_ns: the
// earlier of now + timeout and the caller's deadline (none: no caller limit).
// timeout_ns <= 0 means no timeout of its own.
inline int64_t attempt_deadline(int64_t now_ns, std::optional<int64_t> caller_deadline_ns, int64_t timeout_ns) {
  int64_t d = std::numeric_limits<int64_t>::max();
  if (timeout_ns > 0) d = timeout_ns > d - now_ns ? d : now_ns + timeout_ns;
  if (caller_deadline_ns) d = std::min(d, *caller_deadline_ns);
  return d;
}

// The header value for a callee given the time left: whole microseconds,
// rounded down so that the callee gives up no later than its caller. SSO
// keeps it allocation-free.
inline std::string encode_timeout_header(int64_t remaining_ns) {
  char buf[24];
  const int64_t us = std::max<int64_t>(0, remaining_ns) / 1000;
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, us);
  (void)ec;  // 24 chars always hold an int64
  return std::string(buf, end);
}

// The relative timeout in ns carried by a header value, or nullopt when the
// value is not 1..15 decimal digits (optional spaces or tabs around them, as
// HTTP allows): no sign, no unit, no fraction.
inline std::optional<int64_t> decode_timeout_header(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty() || v.size() > kMaxDeadlineDigits) return std::nullopt;
  for (char c : v)
    if (c < '0' || c > '9') return std::nullopt;
  int64_t us = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), us);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return us * 1000;
}

// The caller's absolute deadline from the header value received at now_ns.
inline std::optional<int64_t> deadline_from_header(int64_t now_ns, std::string_view v) {
  auto rel = decode_timeout_header(v);
  if (!rel) return std::nullopt;
  const int64_t max = std::numeric_limits<int64_t>::max();
  return *rel > max - now_ns ? max : now_ns + *rel;
}

}  // namespace faultline::workloads::policy
