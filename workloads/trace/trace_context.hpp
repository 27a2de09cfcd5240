// SPDX-License-Identifier: Apache-2.0
// W3C Trace Context (https://www.w3.org/TR/trace-context/): the
// `traceparent` header every call carries, so one organic request's spans at
// every tier share its trace id and each names its parent. The load
// generator starts each trace; a service continues the one it is called with
// (or starts one when called without a valid header, e.g. by curl).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace faultline::workloads::trace {

inline constexpr std::string_view kTraceparentHeader = "traceparent";
inline constexpr size_t kTraceparentSize = 55;  // "00-" 32 hex "-" 16 hex "-" 2 hex

struct TraceContext {
  uint64_t trace_hi = 0, trace_lo = 0;
  uint64_t span_id = 0;   // the sender's span: the parent of the receiver's
  bool sampled = true;    // trace-flags bit 0: record this trace's spans
  bool operator==(const TraceContext&) const = default;
};

// Parses a traceparent value. Version 00 must be exactly 55 characters;
// later versions may carry more after a '-' (the spec's forward
// compatibility). Invalid: not lowercase hex, version ff, an all-zero trace
// or parent id. Surrounding spaces and tabs are allowed, as in any header.
std::optional<TraceContext> parse_traceparent(std::string_view v);

// "00-<trace id>-<span id>-<01|00>", without allocating.
void format_traceparent(const TraceContext& c, char (&out)[kTraceparentSize]);
std::string format_traceparent(const TraceContext& c);

// Lowercase hex of a trace id (32 digits) and of a span id (16 digits).
std::string trace_id_hex(uint64_t hi, uint64_t lo);
std::string span_id_hex(uint64_t id);

}  // namespace faultline::workloads::trace
