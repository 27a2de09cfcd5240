// SPDX-License-Identifier: Apache-2.0
// The experiment loop: the collection ticks and the fault timeline's steps on
// one clock, the phases as they begin, process exits as events. It stops at
// the end, at a step that failed, or when interrupted, and then reverts
// every fault still applied. It knows the run only through Testbed and time
// only through LoopClock, so unit tests drive it with a manual clock and a
// fake testbed (tests/unit/test_loop.cpp); `faultline run` gives it the real
// run (runner.cpp) and the steady clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "orchestrator/experiment/event_log.hpp"
#include "orchestrator/experiment/progress.hpp"
#include "orchestrator/experiment/results.hpp"
#include "orchestrator/experiment/timeline.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::experiment {

// Time since the experiment started, in seconds.
class LoopClock {
 public:
  virtual ~LoopClock() = default;
  virtual double now_s() = 0;
  // Waits until now_s() >= t_s; false when interrupted first (Ctrl-C).
  virtual bool wait_until(double t_s) = 0;
};

// The steady clock, from construction. With a signalfd (SIGINT, SIGTERM,
// SIGHUP blocked and routed to it) a signal interrupts the wait.
class SteadyLoopClock final : public LoopClock {
 public:
  explicit SteadyLoopClock(int signal_fd = -1) : signal_fd_(signal_fd), t0_(std::chrono::steady_clock::now()) {}
  double now_s() override;
  bool wait_until(double t_s) override;
  // The start on CLOCK_MONOTONIC (the workloads' spans' clock), in ns.
  int64_t t0_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t0_.time_since_epoch()).count();
  }

 private:
  int signal_fd_;
  std::chrono::steady_clock::time_point t0_;
};

// What the loop drives: the run's faults, its collection and its processes.
class Testbed {
 public:
  virtual ~Testbed() = default;
  // Fault `fault` at `fraction` of its values (a ramp applies it again with
  // growing fractions), and its revert.
  virtual Status apply(size_t fault, double fraction, double t_s) = 0;
  virtual Status revert(size_t fault, double t_s) = 0;
  // Reverts every fault still applied, newest first.
  virtual Status revert_all(double t_s) = 0;
  // The faults applied now, in the order they were applied.
  virtual std::vector<size_t> active() const = 0;
  // One collection tick: index and nominal time.
  virtual void collect(size_t tick, double t_s) = 0;
  // Reaps the run's processes that ended; exits() then lists them after the
  // earlier ones (a fault that kills a process records its exit itself).
  virtual void reap_exits() = 0;
  virtual const std::vector<runtime::ProcessExit>& exits() const = 0;
  // Starts a node's processes again (killing any left first): its restart
  // policy after one of them ended on its own.
  virtual Status restart_node(const model::NodeId& node) = 0;
};

struct LoopPlan {
  std::vector<Step> steps;       // the timeline (build_timeline)
  double tick_s = 1;
  double warmup_end_s = 0;       // the baseline phase begins at the first tick at or after it
  double end_s = 0;              // the last tick is the first at or after it
  double last_fault_end_s = 0;   // the recovery phase begins once no fault is active after it
  bool any_fault = false;
  // Nodes restarted when a process ends on its own (`restart = "on-failure"`),
  // with their first delay in seconds; each restart in a row doubles it, up to
  // kMaxRestartDoublings times.
  std::map<model::NodeId, double> restart_delay_s;
};

inline constexpr int kMaxRestartDoublings = 5;

struct LoopResult {
  bool interrupted = false;
  Status failure;                // the step that failed (the loop stopped there)
  Status reverted;               // of the final revert_all
  double end_s = 0;              // when the loop stopped (after the final revert)
  size_t ticks = 0;              // collection ticks taken
};

// Called after each tick's collection, for the live status line.
using TickObserver = std::function<void(size_t tick, double t_s, const std::string& phase,
                                        const std::vector<size_t>& active)>;

// Runs the timeline. records[i] (one per fault, index i) gets the times the
// fault was first applied and reverted; events gets "phase" (warmup,
// baseline, faults, recovery, then done or interrupted) and "exit" events;
// progress gets a note for each of them and each step.
LoopResult run_loop(const LoopPlan& plan, LoopClock& clock, Testbed& bed, std::vector<FaultRecord>& records,
                    EventLog& events, Progress& progress, const TickObserver& on_tick = {});

}  // namespace faultline::experiment
