// SPDX-License-Identifier: Apache-2.0
// A tracked process of a run that ended (crashed, OOM-killed, killed by a
// node fault), as the run reaped it: where it ran, which process it was and
// what the plan started it as. Apart from run.hpp so that what reads exits
// (the experiment's loop and records) need not include the whole run.
#pragma once

#include <string>

#include "orchestrator/plan/process_kind.hpp"
#include "orchestrator/runtime/proc.hpp"

namespace faultline::runtime {

struct ProcessExit {
  std::string node;  // its namespace's name: a node's, or the fabric's
  ProcId id;
  int status = 0;  // as waitpid gives it
  // What the plan started it as; unknown for a process the run did not
  // start from its plan (the link engine).
  plan::ProcessKind kind;
};

}  // namespace faultline::runtime
