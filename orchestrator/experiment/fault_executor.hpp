// SPDX-License-Identifier: Apache-2.0
// Applies and reverts the faults of an experiment's timeline on a live run:
// link and segment impairments and partitions (runtime::LinkControl), node
// faults (runtime node faults: CPU/memory cuts, hogs, pause, kill, restart,
// partition), and load changes (the load generator's control endpoint).
// Every fault applied is remembered with what it replaced, and reverted at
// its end, on error, and in the destructor (Ctrl-C or an exception): the run
// never keeps a fault past the experiment.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "orchestrator/experiment/event_log.hpp"
#include "orchestrator/model/topology.hpp"
#include "orchestrator/runtime/links.hpp"

namespace faultline::runtime {
class Run;
}

namespace faultline::experiment {

// The linear mix of two impairments for a ramp: delay, jitter, loss,
// duplication, corruption, reordering and rate move from `from` to `to`;
// rate from unlimited (0) starts at the target rate scaled up by 1/fraction.
netem::Impairment ramp_impairment(const netem::Impairment& from, const netem::Impairment& to, double fraction);

class FaultExecutor {
 public:
  FaultExecutor(runtime::Run& run, const model::Topology& topo, EventLog& events);
  ~FaultExecutor();  // reverts whatever is still applied; never throws
  FaultExecutor(const FaultExecutor&) = delete;
  FaultExecutor& operator=(const FaultExecutor&) = delete;

  // Applies fault `index` at `fraction` of its values (ramps call it again
  // with growing fractions). The event log gets "applied"/"ramp"/"failed".
  Status apply(size_t index, double fraction, double t_s);
  Status revert(size_t index, double t_s);
  // Reverts everything still applied, newest first; returns the first error.
  Status revert_all(double t_s);
  std::vector<size_t> active() const;

 private:
  struct Applied;
  Status apply_link(const model::Fault& f, Applied& a, double fraction);
  Status apply_segment(const model::Fault& f, Applied& a, double fraction);
  Status apply_load(const model::Fault& f, Applied& a, double fraction);
  Status apply_node(const model::Fault& f, Applied& a, double fraction);
  Status undo(Applied& a);
  Status undo_node(Applied& a);

  runtime::Run& run_;
  const model::Topology& topo_;
  EventLog& events_;
  std::map<size_t, std::unique_ptr<Applied>> applied_;
  std::vector<size_t> order_;  // application order, for newest-first reverts
};

}  // namespace faultline::experiment
