// SPDX-License-Identifier: Apache-2.0
#include "workloads/policy/breaker.hpp"

#include <algorithm>

namespace faultline::workloads::policy {

const char* to_string(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed: return "closed";
    case BreakerState::kOpen: return "open";
    case BreakerState::kHalfOpen: return "half-open";
  }
  return "unknown";
}

namespace {

// failures / n >= rate_ppm / 1e6, in integers.
bool rate_reached(uint32_t failures, uint32_t n, uint32_t rate_ppm) {
  return n > 0 && static_cast<uint64_t>(failures) * 1'000'000 >= static_cast<uint64_t>(rate_ppm) * n;
}

}  // namespace

CircuitBreaker::CircuitBreaker(const spec::CircuitBreaker& config, const Clock& clock) : cfg_(config), clock_(clock) {
  // Degenerate numbers get the nearest meaningful ones: a window of at least
  // one call, a minimum no larger than the window (resilience4j caps it the
  // same way), at least one probe.
  cfg_.window_calls = std::max<uint32_t>(1, cfg_.window_calls);
  cfg_.half_open_probes = std::max<uint32_t>(1, cfg_.half_open_probes);
  min_calls_ = std::clamp<uint32_t>(cfg_.min_calls, 1, cfg_.window_calls);
  if (cfg_.enabled && cfg_.consecutive_failures == 0) window_.assign(cfg_.window_calls, 0);
}

bool CircuitBreaker::try_acquire() {
  if (!cfg_.enabled) return true;
  if (state_ == BreakerState::kOpen) {
    if (clock_.now_ns() - opened_at_ns_ < cfg_.open_ns) {
      ++counters_.rejected;
      return false;
    }
    transition(BreakerState::kHalfOpen);
  }
  if (state_ == BreakerState::kHalfOpen) {
    if (probes_admitted_ >= cfg_.half_open_probes) {
      ++counters_.rejected;
      return false;
    }
    ++probes_admitted_;
  }
  return true;
}

void CircuitBreaker::on_success(uint64_t epoch) {
  if (!cfg_.enabled) return;
  if (epoch != kAnyEpoch && epoch != epoch_) {
    ++counters_.stale;
    return;
  }
  record(false);
}

void CircuitBreaker::on_failure(uint64_t epoch) {
  if (!cfg_.enabled) return;
  if (epoch != kAnyEpoch && epoch != epoch_) {
    ++counters_.stale;
    return;
  }
  record(true);
}

void CircuitBreaker::record(bool failure) {
  switch (state_) {
    case BreakerState::kClosed: record_closed(failure); break;
    case BreakerState::kHalfOpen: record_half_open(failure); break;
    case BreakerState::kOpen: break;  // a call admitted before it opened: nothing to decide
  }
}

void CircuitBreaker::record_closed(bool failure) {
  if (cfg_.consecutive_failures > 0) {
    consecutive_ = failure ? consecutive_ + 1 : 0;
    if (consecutive_ >= cfg_.consecutive_failures) transition(BreakerState::kOpen);
    return;
  }
  uint8_t& slot = window_[window_next_];
  if (window_recorded_ == cfg_.window_calls)
    window_failures_ -= slot;  // the oldest outcome leaves the window
  else
    ++window_recorded_;
  slot = failure ? 1 : 0;
  window_failures_ += slot;
  window_next_ = (window_next_ + 1) % cfg_.window_calls;
  if (window_recorded_ >= min_calls_ && rate_reached(window_failures_, window_recorded_, cfg_.failure_rate_ppm))
    transition(BreakerState::kOpen);
}

void CircuitBreaker::record_half_open(bool failure) {
  ++probes_done_;
  if (failure) ++probes_failed_;
  if (cfg_.consecutive_failures > 0) {
    if (failure) {
      transition(BreakerState::kOpen);
      return;
    }
    if (probes_done_ >= cfg_.half_open_probes) transition(BreakerState::kClosed);
    return;
  }
  if (probes_done_ < cfg_.half_open_probes) return;
  transition(rate_reached(probes_failed_, probes_done_, cfg_.failure_rate_ppm) ? BreakerState::kOpen
                                                                              : BreakerState::kClosed);
}

void CircuitBreaker::reset_window() {
  consecutive_ = 0;
  std::fill(window_.begin(), window_.end(), uint8_t{0});
  window_next_ = window_recorded_ = window_failures_ = 0;
}

void CircuitBreaker::transition(BreakerState to) {
  const BreakerState from = state_;
  state_ = to;
  ++epoch_;
  ++counters_.transitions_to[static_cast<size_t>(to)];
  switch (to) {
    case BreakerState::kOpen: opened_at_ns_ = clock_.now_ns(); break;
    case BreakerState::kHalfOpen: probes_admitted_ = probes_done_ = probes_failed_ = 0; break;
    case BreakerState::kClosed: reset_window(); break;
  }
  if (on_transition_) on_transition_(from, to);
}

}  // namespace faultline::workloads::policy
