// SPDX-License-Identifier: Apache-2.0
// What one caller's retry policy implies on paper: how long a call can take
// at worst, how many of its attempts fit in a deadline, and how many attempts
// a call makes when its callee fails, within what a retry budget or a
// throttle allows. Calls and load generators retry alike (workloads/client/
// downstream.cpp); hedges count among the attempts (at most retries + 1).
#pragma once

#include <cstdint>

#include "orchestrator/model/topology.hpp"

namespace faultline::lint {

struct Retrying {
  int64_t timeout_ns = 0;     // per attempt
  uint32_t retries = 0;
  model::Backoff backoff;
  uint32_t budget_ppm = 0;    // 0: no budget
  uint32_t budget_min_per_s = 0;
  model::RetryThrottle throttle;
  uint32_t attempts() const { return retries + 1; }
};

Retrying retrying_of(const model::Call& c);
Retrying retrying_of(const model::Load& l);

// The longest and the mean wait before retry n (1 for the first retry), as
// workloads/policy/backoff.cpp draws it.
int64_t max_backoff_ns(const model::Backoff& b, uint32_t retry);
double mean_backoff_ns(const model::Backoff& b, uint32_t retry);

// Every attempt to its timeout, every backoff at its longest: the longest a
// call can take when nothing caps it.
int64_t worst_case_ns(const Retrying& r);

// The most attempts that can each run to their timeout within budget_ns
// (k timeouts and the k - 1 longest backoffs between them); 0 when not even
// the first attempt's timeout fits.
uint32_t attempts_within(const Retrying& r, int64_t budget_ns);

// Attempts per call while every attempt fails, in the long run: retries + 1,
// or what a budget allows (1 + ratio + budget_min / calls_per_s: Envoy's and
// Finagle's rule) or a throttle (1: its tokens run out under sustained
// failure, gRFC A6), whichever is least.
double capped_attempts(const Retrying& r, double calls_per_s);

// Expected attempts per call when each attempt fails independently with
// probability fail (the healthy system's injected errors): 1 + f + ... + f^retries,
// within the same caps (a throttle stops retrying above its failure rate
// of token_ratio / (1 + token_ratio)).
double expected_attempts(const Retrying& r, double fail, double calls_per_s);

}  // namespace faultline::lint
