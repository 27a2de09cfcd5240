// SPDX-License-Identifier: Apache-2.0
// Time as an injected dependency: policies (breaker, retry budget, admission)
// read the time through a Clock so that unit tests drive them with a
// ManualClock and get exact, repeatable answers. Times are int64 ns on one
// monotonic axis; only differences mean anything.
#pragma once

#include <cstdint>
#include <ctime>

namespace faultline::workloads::policy {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ns() const = 0;
};

// CLOCK_MONOTONIC: never jumps with wall-clock changes (NTP, date), which
// would otherwise open breakers or expire budgets at random.
class SteadyClock final : public Clock {
 public:
  int64_t now_ns() const override { return read(); }
  // Non-virtual read for hot paths that know they want the real clock.
  static int64_t read() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  }
  // One shared instance: the clock has no state.
  static const SteadyClock& instance() {
    static const SteadyClock clock;
    return clock;
  }
};

// A clock that moves only when told: for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ns = 0) : now_(start_ns) {}
  int64_t now_ns() const override { return now_; }
  void advance(int64_t ns) { now_ += ns; }
  void set(int64_t ns) { now_ = ns; }

 private:
  int64_t now_;
};

}  // namespace faultline::workloads::policy
