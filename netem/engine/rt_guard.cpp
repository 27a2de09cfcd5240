// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/rt_guard.hpp"

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <fstream>

#include "netem/engine/clock.hpp"

namespace faultline::netem::engine {

namespace {

int64_t read_sysctl(const char* path, int64_t fallback) {
  std::ifstream f(path);
  int64_t v;
  return (f >> v) ? v : fallback;
}

}  // namespace

RtGuard RtGuard::for_current_thread() {
  RtGuard g;
  const int policy = ::sched_getscheduler(0) & ~SCHED_RESET_ON_FORK;
  g.active_ = policy == SCHED_FIFO || policy == SCHED_RR;
  if (!g.active_) return g;
  const int64_t runtime = read_sysctl("/proc/sys/kernel/sched_rt_runtime_us", 950'000);
  const int64_t period = read_sysctl("/proc/sys/kernel/sched_rt_period_us", 1'000'000);
  if (runtime >= 0 && period > 0) {
    // The kernel's share left to others, plus 2% of margin.
    const double idle_share = std::clamp(1.0 - static_cast<double>(runtime) / static_cast<double>(period) + 0.02,
                                         0.0, 1.0);
    g.min_sleep_ns_ = static_cast<int64_t>(idle_share * kWindowNs);
  }
  g.softirq_ = SoftirqWatch::open();
  g.window_start_ = mono_ns();
  return g;
}

bool RtGuard::pace(int64_t now) {
  if (!active_ || now - window_start_ < kWindowNs) return false;
  int64_t need = min_sleep_ns_ - slept_in_window_;
  bool for_softirq = false;
  if (slept_in_window_ < kWindowNs / 2 && softirq_.pending_on_this_cpu()) {
    for_softirq = need < kSoftirqYieldNs;
    need = std::max(need, kSoftirqYieldNs);
  }
  window_start_ = now;
  slept_in_window_ = 0;
  if (need <= 0) return false;
  const timespec ts{static_cast<time_t>(need / 1'000'000'000), static_cast<long>(need % 1'000'000'000)};
  ::nanosleep(&ts, nullptr);
  ++(for_softirq ? softirq_yields_ : duty_sleeps_);
  return true;
}

}  // namespace faultline::netem::engine
