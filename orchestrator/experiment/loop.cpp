// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/loop.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <thread>

#include "orchestrator/runtime/proc.hpp"

namespace faultline::experiment {

double SteadyLoopClock::now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

bool SteadyLoopClock::wait_until(double t_s) {
  for (;;) {
    const double left = t_s - now_s();
    if (left <= 0) return true;
    const int ms = static_cast<int>(std::ceil(left * 1000));
    if (signal_fd_ < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      continue;
    }
    pollfd p{signal_fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) > 0) {
      signalfd_siginfo si{};
      (void)!::read(signal_fd_, &si, sizeof si);
      return false;
    }
  }
}

namespace {

double seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

// The loop's own state: the phase, the exits reported so far.
class Loop {
 public:
  Loop(const LoopPlan& plan, LoopClock& clock, Testbed& bed, std::vector<FaultRecord>& records, EventLog& events,
       Progress& progress)
      : plan_(plan), clock_(clock), bed_(bed), records_(records), events_(events), progress_(progress) {}

  void set_phase(const std::string& p, double t) {
    if (p == phase_) return;
    phase_ = p;
    events_.add(t, "phase", {{"phase", p}});
    progress_.note(t, "phase: " + p);
  }
  const std::string& phase() const { return phase_; }

  // Process exits become events, each once, in the order the run reaped
  // them; those a fault caused (recorded by the fault itself) name it, and
  // those of a restart (the node's other processes) say so. An exit of its
  // own in a node with a restart policy schedules the node's restart.
  void note_exits(double t, std::optional<size_t> fault, bool restarting = false) {
    if (!fault && !restarting) bed_.reap_exits();
    const auto& exits = bed_.exits();
    for (; exits_reported_ < exits.size(); ++exits_reported_) {
      const auto& e = exits[exits_reported_];
      const std::string how = runtime::describe_wait_status(e.status);
      nlohmann::json ev = {{"node", e.node}, {"pid", e.id.pid}, {"status", how}};
      if (!e.kind.name.empty()) ev["process"] = e.kind.name;
      if (fault) ev["fault"] = *fault;
      if (restarting) ev["restart"] = true;
      events_.add(t, "exit", ev);
      progress_.note(t, "process " + std::to_string(e.id.pid) + e.kind.in_parentheses() +
                            " in " + e.node + " ended: " + how +
                            (fault ? " (fault " + records_[*fault].target + ")" : ""));
      if (!fault && !restarting) schedule_restart(e.node, t);
    }
  }

  // Restarts whose delay has passed, in node order.
  void restart_due(double t) {
    for (auto it = restart_at_.begin(); it != restart_at_.end();) {
      if (it->second > t + 1e-9) {
        ++it;
        continue;
      }
      const model::NodeId node = it->first;
      it = restart_at_.erase(it);
      const int n = ++restarts_[node];
      const Status s = bed_.restart_node(node);
      nlohmann::json ev = {{"node", node}, {"count", n}};
      if (!s.ok()) ev["error"] = s.error().message();
      events_.add(t, "restart", ev);
      progress_.note(t, "restart " + node + " (#" + std::to_string(n) + ")" +
                            (s.ok() ? "" : " FAILED: " + s.error().message()));
      note_exits(t, std::nullopt, true);
    }
  }

  // Runs one step; false when it failed (the loop stops).
  Status step(const Step& st) {
    const double ts = clock_.now_s();
    const bool apply = st.kind == Step::Kind::kApply;
    if (plan_.any_fault && phase_ != "faults" && apply) set_phase("faults", ts);
    note_exits(ts, std::nullopt);  // whatever ended before this step is not its doing
    Status s = apply ? bed_.apply(st.fault, st.fraction, ts) : bed_.revert(st.fault, ts);
    auto& rec = records_[st.fault];
    if (apply && !rec.applied_s) rec.applied_s = ts;
    if (!apply) rec.reverted_s = ts;
    progress_.note(ts, std::string(apply ? (st.fraction < 1 ? "ramp " : "fault ") : "revert ") + rec.target + ": " +
                           rec.what + (s.ok() ? "" : " FAILED: " + s.error().message()));
    note_exits(ts, st.fault);
    // After the last fault's end (a revert, or a restart, which ends at once).
    if (s.ok() && bed_.active().empty() && ts >= plan_.last_fault_end_s - 1e-3) set_phase("recovery", ts);
    return s;
  }

 private:
  const LoopPlan& plan_;
  LoopClock& clock_;
  Testbed& bed_;
  std::vector<FaultRecord>& records_;
  EventLog& events_;
  Progress& progress_;
  // A node's next restart is due at its delay doubled once per restart so
  // far (at most kMaxRestartDoublings times); one pending restart per node.
  // `ns` is the namespace the process ran in: a node with a restart policy
  // is restarted, anything else (a node without one, the link engine) not.
  void schedule_restart(const std::string& ns, double t) {
    const model::NodeId node{ns};
    const auto policy = plan_.restart_delay_s.find(node);
    if (policy == plan_.restart_delay_s.end() || restart_at_.count(node)) return;
    const int doublings = std::min(restarts_[node], kMaxRestartDoublings);
    restart_at_[node] = t + policy->second * static_cast<double>(1 << doublings);
  }

  std::string phase_;
  size_t exits_reported_ = 0;
  std::map<model::NodeId, double> restart_at_;  // node -> when its restart is due
  std::map<model::NodeId, int> restarts_;       // node -> restarts so far
};

}  // namespace

LoopResult run_loop(const LoopPlan& plan, LoopClock& clock, Testbed& bed, std::vector<FaultRecord>& records,
                    EventLog& events, Progress& progress, const TickObserver& on_tick) {
  LoopResult out;
  Loop loop(plan, clock, bed, records, events, progress);
  loop.set_phase("warmup", 0);
  size_t next_step = 0, tick = 0;
  const auto& steps = plan.steps;
  for (;;) {
    // The next thing due: a tick (at its nominal time), a step, or the end.
    const double t_tick = static_cast<double>(tick) * plan.tick_s;
    const double t_step = next_step < steps.size() ? seconds(steps[next_step].t_ns) : plan.end_s + 1;
    const double next = std::min({t_tick, t_step, plan.end_s});
    if (clock.now_s() < next && !clock.wait_until(next)) {
      out.interrupted = true;
      const double t = clock.now_s();
      progress.note(t, "interrupted: reverting faults and taking the run down");
      loop.set_phase("interrupted", t);
      break;
    }
    // Timeline steps due now, in order.
    while (next_step < steps.size() && seconds(steps[next_step].t_ns) <= clock.now_s()) {
      Status s = loop.step(steps[next_step++]);
      if (!s.ok()) {
        out.failure = s;
        break;
      }
    }
    if (!out.failure.ok()) break;
    if (clock.now_s() >= t_tick) {
      const double ts = t_tick;  // the nominal time: even spacing in the data
      if (loop.phase() == "warmup" && ts >= plan.warmup_end_s) loop.set_phase("baseline", ts);
      bed.collect(tick, ts);
      loop.note_exits(ts, std::nullopt);
      loop.restart_due(ts);
      if (on_tick) on_tick(tick, ts, loop.phase(), bed.active());
      ++tick;
    }
    if (clock.now_s() >= plan.end_s && plan.tick_s * static_cast<double>(tick) > plan.end_s) break;
  }
  const double t_end = clock.now_s();
  out.reverted = bed.revert_all(t_end);
  for (auto& r : records)
    if (r.applied_s && !r.reverted_s) r.reverted_s = t_end;
  loop.set_phase(out.interrupted ? "interrupted" : "done", t_end);
  out.end_s = t_end;
  out.ticks = tick;
  return out;
}

}  // namespace faultline::experiment
