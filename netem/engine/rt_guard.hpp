// SPDX-License-Identifier: Apache-2.0
// Keeps a real-time (SCHED_FIFO) engine a good neighbour on its CPU.
//
// The kernel throttles real-time tasks that run more than
// sched_rt_runtime_us per sched_rt_period_us (950 ms per second by
// default) by stopping them for the rest of the period: a spinning engine
// would freeze for up to 50 ms, every second. And while it runs, nothing
// else on its CPU does, ksoftirqd included, so packets whose processing the
// kernel deferred there would wait too.
//
// So the engine accounts its own sleep: in every kWindowNs window it sleeps
// at least the share the kernel's budget leaves (plus a margin), in one short
// sleep at the window's end when its natural sleeps fell short; and when its
// CPU's ksoftirqd is runnable at that point, it sleeps at least
// kSoftirqYieldNs. Short windows keep each of these sleeps short (70 us by
// default), so a packet they hold up is late by tens of microseconds, not by
// the kernel's 50 ms. An engine that sleeps between packets anyway never
// notices either.
#pragma once

#include <cstdint>

#include "netem/engine/softirq_watch.hpp"

namespace faultline::netem::engine {

class RtGuard {
 public:
  static constexpr int64_t kWindowNs = 1'000'000;
  static constexpr int64_t kSoftirqYieldNs = 50'000;

  // Active when the calling thread runs SCHED_FIFO or SCHED_RR.
  static RtGuard for_current_thread();

  bool active() const { return active_; }
  // Called once per loop pass; sleeps when the window asks for it and
  // returns true if it did.
  bool pace(int64_t now_ns);
  // The loop slept this long (blocked in epoll_wait).
  void slept(int64_t ns) { slept_in_window_ += ns; }

  uint64_t duty_sleeps() const { return duty_sleeps_; }
  uint64_t softirq_yields() const { return softirq_yields_; }
  int64_t min_sleep_per_window_ns() const { return min_sleep_ns_; }

 private:
  bool active_ = false;
  int64_t min_sleep_ns_ = 0;  // per window; 0 when the kernel does not throttle
  int64_t window_start_ = 0;
  int64_t slept_in_window_ = 0;
  uint64_t duty_sleeps_ = 0, softirq_yields_ = 0;
  SoftirqWatch softirq_;
};

}  // namespace faultline::netem::engine
