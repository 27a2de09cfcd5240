// SPDX-License-Identifier: Apache-2.0
// The wait before a retry. Formulas from Marc Brooker, "Exponential Backoff
// And Jitter", AWS Architecture Blog, 2015
// (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/):
//   none          0
//   constant      d = base
//   exponential   d = min(cap, base * multiplier^(n-1)) for retry n (1-based)
// and then the jitter:
//   none          d
//   full          U[0, d]
//   equal         d/2 + U[0, d/2]
//   decorrelated  sleep = min(cap, U[base, 3 * previous sleep]), the first
//                 previous sleep being base; it ignores the multiplier.
//
// Defaults (spec::Backoff) follow Envoy's router retry policy: exponential,
// base interval 25 ms, max interval 10x the base (250 ms), full jitter
// (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter
// "x-envoy-max-retries" / "retry_back_off"). gRPC's connection backoff
// (https://github.com/grpc/grpc/blob/master/doc/connection-backoff.md) is
// initial 1 s, multiplier 1.6, max 120 s, jitter 0.2 (+-20%); the same
// numbers are gRPC's retry policy example (gRFC A6). Write it as
// backoff = "1s exp jitter cap 120s" with multiplier 1.6 in the table form.
#pragma once

#include <cstdint>

#include "workloads/spec/types.hpp"
#include "workloads/policy/random.hpp"

namespace faultline::workloads::policy {

// One Backoff per logical call (per request's retry sequence): it is a copy
// of the small config plus the previous sleep, so making one allocates
// nothing. next_ns(1) starts a new sequence.
class Backoff {
 public:
  explicit Backoff(const spec::Backoff& config);

  // The wait before retry `retry` (1 = the first retry), in ns; never negative.
  int64_t next_ns(uint32_t retry, Rng& rng);

  const spec::Backoff& config() const { return cfg_; }

 private:
  // The delay before jitter: constant or exponential, capped.
  int64_t plain_ns(uint32_t retry) const;

  spec::Backoff cfg_;
  int64_t prev_ns_;  // decorrelated jitter: the previous sleep
};

}  // namespace faultline::workloads::policy
