// SPDX-License-Identifier: Apache-2.0
// Request records: what a workload did with each request it served and each
// downstream call and attempt it made, as fixed-size spans that carry W3C
// trace context (trace id, span id, parent span id). Workloads write them
// (recorder.hpp); the orchestrator pulls them over GET /records (wire.hpp),
// stores them in the results folder, judges health from them and exports them
// as OTLP/JSON. This header is the one layout both sides read: no copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace faultline::workloads::trace {

// What a span stands for.
enum class SpanKind : uint8_t {
  kRequest = 0,  // a request a service served: arrival to response (queueing included)
  kCall = 1,     // one downstream call: every attempt, retry and hedge, the backoffs between
  kAttempt = 2,  // one try of a call: sent to answered, timed out or cancelled
};

// How a span ended. Calls and attempts use the first ten (the values of the
// client's Cause, which static_asserts they match); requests a service served
// use kOk and kInjected onwards.
enum class SpanCause : uint8_t {
  kOk = 0,
  kTimeout = 1,          // the attempt's own timeout passed without an answer
  kDeadline = 2,         // the caller's deadline passed (or left no time for a retry)
  kConnect = 3,          // no connection, or it broke before the answer
  kHttp5xx = 4,          // answered 5xx (not 503)
  kShed = 5,             // answered 503
  kHttp4xx = 6,          // answered 4xx
  kBreakerOpen = 7,      // the circuit breaker refused the call
  kBudgetExhausted = 8,  // a retry was refused by the retry budget
  kThrottled = 9,        // a retry was refused by the retry throttle
  // A request a service served:
  kInjected = 10,        // error_ppm drew an error: 500
  kMemory = 11,          // its memory could not be allocated: 500
  kDownstream = 12,      // a downstream call failed without fallback: 502
  kGatewayTimeout = 13,  // a downstream call ran out of time: 504
  kShedQueueFull = 14,   // shed: the queue was full (503)
  kShedQueueDelay = 15,  // shed: it waited longer than max_queue_delay (503)
  kShedAbandoned = 16,   // shed: its caller's deadline passed while it queued (503)
  kCancelled = 17,       // ended by shutdown, not by the callee
};
inline constexpr int kSpanCauses = 18;

constexpr std::string_view to_string(SpanCause c) {
  switch (c) {
    case SpanCause::kOk: return "ok";
    case SpanCause::kTimeout: return "timeout";
    case SpanCause::kDeadline: return "deadline";
    case SpanCause::kConnect: return "connect";
    case SpanCause::kHttp5xx: return "http_5xx";
    case SpanCause::kShed: return "shed";
    case SpanCause::kHttp4xx: return "http_4xx";
    case SpanCause::kBreakerOpen: return "breaker_open";
    case SpanCause::kBudgetExhausted: return "budget_exhausted";
    case SpanCause::kThrottled: return "throttled";
    case SpanCause::kInjected: return "injected";
    case SpanCause::kMemory: return "memory";
    case SpanCause::kDownstream: return "downstream";
    case SpanCause::kGatewayTimeout: return "gateway_timeout";
    case SpanCause::kShedQueueFull: return "shed_queue_full";
    case SpanCause::kShedQueueDelay: return "shed_queue_delay";
    case SpanCause::kShedAbandoned: return "shed_abandoned";
    case SpanCause::kCancelled: return "cancelled";
  }
  return "unknown";
}

constexpr std::string_view to_string(SpanKind k) {
  switch (k) {
    case SpanKind::kRequest: return "request";
    case SpanKind::kCall: return "call";
    case SpanKind::kAttempt: return "attempt";
  }
  return "unknown";
}

// Span flags.
inline constexpr uint8_t kFlagHedge = 1;      // an attempt sent as a hedge
inline constexpr uint8_t kFlagFallback = 2;   // a failed call answered by its fallback
inline constexpr uint8_t kFlagOpen = 4;       // still in flight when pulled (end_ns is the pull time)

// One span, 64 bytes, trivially copyable: written as it is into the wire
// format and the results folder (little-endian, this host's layout).
struct SpanRecord {
  uint64_t trace_hi = 0, trace_lo = 0;  // the 128-bit trace id
  uint64_t span_id = 0;                 // never 0
  uint64_t parent_id = 0;               // 0: a root (the load generator's calls)
  int64_t start_ns = 0;                 // CLOCK_MONOTONIC
  int64_t end_ns = 0;                   // CLOCK_MONOTONIC; with kFlagOpen: when it was pulled
  uint16_t status = 0;                  // the HTTP status answered; 0: none
  uint16_t name = 0;                    // index into the source's names: endpoint path, or "node:port" called
  SpanKind kind = SpanKind::kRequest;
  SpanCause cause = SpanCause::kOk;
  uint8_t attempt = 0;                  // attempt: its number (0 first); call: attempts made
  uint8_t flags = 0;
  uint64_t reserved = 0;                // 0; room for a later field without a new layout
};
static_assert(sizeof(SpanRecord) == 64, "SpanRecord is the wire and file layout");
static_assert(std::is_trivially_copyable_v<SpanRecord>);
static_assert(offsetof(SpanRecord, start_ns) == 32 && offsetof(SpanRecord, status) == 48 &&
              offsetof(SpanRecord, kind) == 52 && offsetof(SpanRecord, flags) == 55);

inline bool failed(const SpanRecord& s) { return s.cause != SpanCause::kOk; }
inline bool open(const SpanRecord& s) { return (s.flags & kFlagOpen) != 0; }

}  // namespace faultline::workloads::trace
