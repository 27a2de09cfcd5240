// SPDX-License-Identifier: Apache-2.0
// When an experiment's parts happen, from its file alone: the first fault,
// the end of the last, the end of the run (the recovery horizon follows the
// last fault, even past `duration`), the phases in ticks, and the thresholds
// its verdicts use. Pure: the runner and the unit tests share it.
#pragma once

#include <cstdint>

#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/experiment/expectations.hpp"
#include "orchestrator/model/topology.hpp"

namespace faultline::experiment {

struct Schedule {
  bool any_fault = false;
  int64_t first_fault_ns = 0;      // 0 without faults
  int64_t last_fault_end_ns = 0;   // 0 without faults
  int64_t end_ns = 0;              // max(duration, last fault end + horizon); duration without faults
};
Schedule schedule_of(const model::Topology& topo);

// Tick i covers ((i-1) * tick, i * tick]; a phase starting at t begins at
// the first tick ending after it. `end` stays 0: the number of ticks taken
// is known only after the run.
PhaseTicks phase_ticks(const model::Experiment& ex, const Schedule& s);

// The analysis' thresholds as [expect] sets them (docs/experiments.md). The
// recovery window lies within the horizon (the loader refuses a longer one
// set in the file; the default shrinks to a shorter horizon).
analysis::Thresholds thresholds_of(const model::Judgement& j, const model::Experiment& ex);

}  // namespace faultline::experiment
