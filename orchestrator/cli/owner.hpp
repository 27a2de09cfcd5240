// SPDX-License-Identifier: Apache-2.0
// The run owner: after bring-up it serves its control socket (faults typed at
// the keyboard), notes node processes that exit and OOM kills, and on SIGINT,
// SIGTERM or SIGHUP takes the run down in order.
#pragma once

#include <signal.h>

#include <nlohmann/json.hpp>

#include "orchestrator/cli/node_fault_book.hpp"
#include "orchestrator/cli/owner_live.hpp"
#include "orchestrator/runtime/control.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::cli {

// The signals the owner handles; blocked before anything is created.
sigset_t control_signals();

// The run's control socket, opened before the run is reported up, so that a
// `faultline fault` right after `up` finds it. On error it says so and
// returns no socket (fd -1): the run works, without live faults.
runtime::ControlServer open_control(const runtime::Run& run);

// Serves `control` until a control signal arrives, then runs run.down().
// `live` (may be null) collects each tick and hears of the faults typed.
// Returns the exit code.
int serve_until_stopped(runtime::Run& run, runtime::ControlServer control, std::unique_ptr<OwnerLive> live);

// One control request (parsed: runtime/control_request.hpp) against a live
// run; node faults are held in `nodes` (exposed for tests).
nlohmann::json handle_control(runtime::Run& run, NodeFaultBook& nodes, const runtime::ControlRequest& req);

}  // namespace faultline::cli
