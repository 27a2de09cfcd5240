// SPDX-License-Identifier: Apache-2.0
// The fault timeline of an experiment as plain data: when each fault is
// applied, stepped through its ramp, and reverted. Pure: the runner executes
// it, tests check it without a kernel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "orchestrator/model/topology.hpp"

namespace faultline::experiment {

struct Step {
  enum class Kind { kApply, kRevert };
  int64_t t_ns = 0;        // since the experiment started (the end of `up`)
  size_t fault = 0;        // index into Topology::faults
  Kind kind = Kind::kApply;
  double fraction = 1.0;   // how far into the ramp: 1 = the fault's full values
};

// Steps in time order; at equal times reverts come before applies (a fault
// ending at t frees its target for one starting at t) and faults keep their
// file order. A ramp is applied in steps of about ramp_step_ns, the first at
// `at`, the fraction growing linearly to 1; each fault is reverted at
// fault_end_ns (never after end_ns). A restart acts once.
std::vector<Step> build_timeline(const model::Topology& topo, int64_t ramp_step_ns, int64_t end_ns);

// When a fault stops acting: `at + for`; with `for` = 0 the experiment's
// `duration` (the recovery horizon is observed after it, like after any
// fault); a restart at `at` (it acts once).
int64_t fault_end_ns(const model::Fault& f, int64_t duration_ns);

// "cpu 0.2", "delay=150ms loss=5%", "partition", "rate 2000/s": what a fault does.
std::string describe_fault(const model::Fault& f);
// "node:db", "link:api-db", ...
std::string describe_target(const model::FaultTarget& t);

// Whether a fault changes something gradually (cpu, memory, hogs, impairments, rate).
bool rampable(const model::Fault& f);

}  // namespace faultline::experiment
