// SPDX-License-Identifier: Apache-2.0
// What a workload process does: services, their endpoints and downstream
// calls, load generators and the resilience settings of each. Plain data,
// every quantity already parsed into integers (ns, bytes, ppm). The topology
// model (orchestrator/model/topology.hpp) holds these as they are; the
// workloads read them as JSON (spec/config.hpp). One set of types, owned by
// the layer that acts on them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/source_loc.hpp"

namespace faultline::spec {

// A random distribution of a duration, e.g. work = "exp(2ms)".
struct DurationDist {
  enum class Kind { kConstant, kExponential, kLognormal, kPareto, kUniform, kNormal };
  Kind kind = Kind::kConstant;
  int64_t mean_ns = 0;      // constant value, or the mean
  int64_t param_ns = 0;     // lognormal/normal: stddev; uniform: half-width; pareto: scale (xm)
  double shape = 0.0;       // pareto: alpha
  bool operator==(const DurationDist&) const = default;
};

// Retry backoff, e.g. backoff = "10ms exp jitter" or a table.
struct Backoff {
  enum class Kind { kNone, kConstant, kExponential };
  enum class Jitter { kNone, kFull, kEqual, kDecorrelated };
  Kind kind = Kind::kExponential;
  Jitter jitter = Jitter::kFull;
  int64_t base_ns = 25'000'000;      // Envoy: 25 ms base interval
  int64_t cap_ns = 250'000'000;      // Envoy: 10x base
  double multiplier = 2.0;
  bool operator==(const Backoff&) const = default;
};

struct CircuitBreaker {
  bool enabled = false;
  uint32_t consecutive_failures = 0;   // 0: use the failure-rate mode
  uint32_t failure_rate_ppm = 500'000; // resilience4j: 50%
  uint32_t window_calls = 100;         // resilience4j: sliding window of 100 calls
  uint32_t min_calls = 100;            // resilience4j: minimumNumberOfCalls 100
  int64_t open_ns = 60'000'000'000;    // resilience4j: waitDurationInOpenState 60 s
  uint32_t half_open_probes = 10;      // resilience4j: permittedNumberOfCallsInHalfOpenState 10
  bool operator==(const CircuitBreaker&) const = default;
};

// gRPC retry throttling (gRFC A6): a token bucket per downstream, starting
// full; a failure takes one token, a success gives token_ratio back; retries
// (and hedges) are sent only while tokens > max_tokens / 2.
struct RetryThrottle {
  uint32_t max_tokens = 0;      // 0: no throttling; gRPC allows 1 to 1000
  double token_ratio = 0.1;     // gRPC's example value
  bool operator==(const RetryThrottle&) const = default;
};

// A downstream call of a service endpoint (or of a load generator).
struct Call {
  SourceLoc loc;
  std::string to_node;          // "db" of "db:5432"
  uint16_t to_port = 0;
  std::string path = "/";
  uint32_t probability_ppm = 1'000'000;
  int64_t timeout_ns = 1'000'000'000;
  uint32_t retries = 0;         // retries after the first attempt
  Backoff backoff;
  uint32_t budget_ppm = 0;      // retry budget ratio; 0: no budget
  uint32_t budget_min_per_s = 3;  // Envoy: min_retry_concurrency 3
  int64_t hedge_ns = 0;         // 0: no hedging
  bool fallback = false;        // answer with a fallback when the call fails
  CircuitBreaker breaker;
  RetryThrottle throttle;
  bool operator==(const Call&) const = default;
};

// One endpoint of a service: what a request to `path` costs and calls.
struct Endpoint {
  SourceLoc loc;
  std::string path = "/";
  DurationDist work;            // CPU burned per request
  DurationDist wait;            // wall-clock waiting per request, no CPU
  uint64_t request_memory_bytes = 0;  // allocated, touched, held for the request's life
  uint64_t response_bytes = 64;
  uint32_t error_ppm = 0;       // injected 500s
  bool parallel_calls = false;  // fan out in parallel instead of one after another
  std::vector<Call> calls;
  bool operator==(const Endpoint&) const = default;
};

struct Service {
  SourceLoc loc;
  std::string name;             // default: "<node>" for the first service, "<node>-<port>" after
  uint16_t port = 0;
  uint32_t workers = 16;        // requests served at once (a request holds its worker throughout)
  uint32_t queue = 128;         // requests waiting for a worker; beyond: shed (503)
  bool lifo = false;
  int64_t max_queue_delay_ns = 0;  // 0: shed only when the queue is full
  bool drop_abandoned = true;   // skip queued work whose caller's deadline has passed
  // Its p99 SLO for the analysis (degraded above it); unset: [expect] slo,
  // else slo_factor x its baseline p99.
  std::optional<int64_t> slo_p99_ns;
  // endpoints[0] is written with the service's own keys (path, work, ...);
  // more come from [[node.service.endpoint]]. Never empty after loading.
  std::vector<Endpoint> endpoints;
  bool operator==(const Service&) const = default;
};

// A change of a load generator's rate over time (node.load.schedule).
struct RateStep {
  enum class Kind { kStep, kRamp, kSpike };
  Kind kind = Kind::kStep;
  int64_t at_ns = 0;            // from the load generator's start
  int64_t for_ns = 0;           // ramp: its duration; spike: how long it lasts; step: unused
  double rate = 0;              // step/spike: the rate; ramp: the rate reached at at + for
  bool operator==(const RateStep&) const = default;
};

// One kind of request in a load's mix.
struct RequestKind {
  std::string path = "/";
  uint32_t weight = 1;
  bool operator==(const RequestKind&) const = default;
};

struct Load {
  SourceLoc loc;
  std::string target_node;
  uint16_t target_port = 0;
  std::vector<RequestKind> mix; // never empty after loading: {path, 1} by default
  double rate = 0;              // requests per second at the start
  enum class Arrival { kPoisson, kConstant } arrival = Arrival::kPoisson;
  std::vector<RateStep> schedule;  // in time order
  int64_t timeout_ns = 1'000'000'000;
  uint32_t retries = 0;
  Backoff backoff;
  uint32_t budget_ppm = 0;      // retry budget of the client, as for calls
  uint32_t budget_min_per_s = 3;
  RetryThrottle throttle;
  uint32_t connections = 64;    // most connections open to the target at once
  uint16_t metrics_port = 9464; // where the load generator serves /metrics (and its control)
  bool operator==(const Load&) const = default;
};

}  // namespace faultline::spec
