// SPDX-License-Identifier: Apache-2.0
// Removal of what a run left behind, from its journal alone: the processes and
// holders it recorded (verified by start time before they are signalled), the
// cgroups it recorded (deepest first), then its folder. Nothing is found by a
// name pattern; an object not in a journal is never touched.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "orchestrator/runtime/state.hpp"

namespace faultline::runtime {

struct CleanupReport {
  std::string run;
  int processes_killed = 0;
  int holders_killed = 0;
  int cgroups_removed = 0;
  std::vector<std::string> errors;
};

// Cleans one run whatever the state of its owner; the caller decides that the
// owner is dead or has been stopped.
CleanupReport cleanup_run(const RunState& st);

// Every run whose owner is gone.
std::vector<CleanupReport> cleanup_dead_runs();

// rmdir of the shared "faultline" cgroup parent where no run uses it any more.
void remove_cgroup_root_if_unused();

}  // namespace faultline::runtime
