// SPDX-License-Identifier: Apache-2.0
// A circuit breaker per downstream, after resilience4j's CircuitBreaker
// (https://resilience4j.readme.io/docs/circuitbreaker); defaults in
// spec::CircuitBreaker are resilience4j's: failure rate 50% over a
// count-based sliding window of 100 calls, minimum 100 calls, 60 s open,
// 10 permitted calls in half-open.
//
// Two modes:
//  - consecutive failures (consecutive_failures > 0): opens after that many
//    failures in a row; in half-open any probe failure re-opens it.
//  - failure rate: a window of the last window_calls outcomes; once at
//    least min_calls outcomes are recorded (min_calls is capped at
//    window_calls) it opens when failures / recorded >= failure_rate. In
//    half-open it waits for all half_open_probes outcomes and re-opens when
//    their failure rate >= failure_rate, else closes.
// Open lasts open_ns; the first try_acquire() after that moves to half-open
// (as resilience4j without automaticTransitionFromOpenToHalfOpenEnabled), which
// admits half_open_probes calls and refuses the rest until they are decided.
// Closing resets the window.
//
// Outcomes of calls admitted in an earlier state (a slow call that was
// admitted while closed and fails during half-open) count like any other,
// as in resilience4j, unless the caller passes the epoch() it read right
// after try_acquire(): then outcomes from an earlier epoch are ignored.
//
// A disabled breaker always admits and never changes state.
// Not synchronised: one owner uses it. The transition callback runs inside
// the call that caused the transition.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "workloads/spec/types.hpp"
#include "workloads/policy/clock.hpp"

namespace faultline::workloads::policy {

// Values match the faultline_breaker_state gauge: 0 closed, 1 open, 2 half-open.
enum class BreakerState : uint8_t { kClosed = 0, kOpen = 1, kHalfOpen = 2 };

const char* to_string(BreakerState s);  // "closed", "open", "half-open"

struct BreakerCounters {
  std::array<uint64_t, 3> transitions_to{};  // indexed by BreakerState
  uint64_t rejected = 0;                     // try_acquire() refusals
  uint64_t stale = 0;                        // outcomes ignored for their epoch
  uint64_t transitions() const { return transitions_to[0] + transitions_to[1] + transitions_to[2]; }
};

class CircuitBreaker {
 public:
  using TransitionFn = std::function<void(BreakerState from, BreakerState to)>;
  static constexpr uint64_t kAnyEpoch = ~uint64_t{0};

  CircuitBreaker(const spec::CircuitBreaker& config, const Clock& clock);

  // May a call be made now? false: rejected (open, or half-open with all
  // probes out). Moves open -> half-open once open_ns has passed.
  bool try_acquire();
  void on_success(uint64_t epoch = kAnyEpoch);
  void on_failure(uint64_t epoch = kAnyEpoch);

  // The state as of the last call; an open breaker whose time is up still
  // reads open until the next try_acquire().
  BreakerState state() const { return state_; }
  // Increases on every transition.
  uint64_t epoch() const { return epoch_; }
  bool enabled() const { return cfg_.enabled; }
  const BreakerCounters& counters() const { return counters_; }
  void set_on_transition(TransitionFn fn) { on_transition_ = std::move(fn); }

 private:
  void record(bool failure);
  void record_closed(bool failure);
  void record_half_open(bool failure);
  void transition(BreakerState to);
  void reset_window();

  spec::CircuitBreaker cfg_;
  const Clock& clock_;
  BreakerState state_ = BreakerState::kClosed;
  uint64_t epoch_ = 0;
  int64_t opened_at_ns_ = 0;
  // Closed, consecutive mode.
  uint32_t consecutive_ = 0;
  // Closed, rate mode: ring of the last window_calls outcomes (1 = failure).
  std::vector<uint8_t> window_;
  uint32_t window_next_ = 0;
  uint32_t window_recorded_ = 0;
  uint32_t window_failures_ = 0;
  uint32_t min_calls_ = 0;
  // Half-open.
  uint32_t probes_admitted_ = 0;
  uint32_t probes_done_ = 0;
  uint32_t probes_failed_ = 0;
  BreakerCounters counters_;
  TransitionFn on_transition_;
};

}  // namespace faultline::workloads::policy
