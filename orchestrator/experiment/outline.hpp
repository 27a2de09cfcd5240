// SPDX-License-Identifier: Apache-2.0
// What `faultline plan` shows of the experiment, after the kernel objects:
// its phases with their times, the fault timeline, the call graph with each
// call's resilience settings, and the expectations. From the topology and
// the same schedule the runner follows (schedule.hpp, timeline.hpp), so the
// plan cannot promise a run the runner would not do. Pure. The text is
// rendered from the JSON (`plan --json`'s "outline"), so the two agree.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "orchestrator/model/topology.hpp"

namespace faultline::experiment {

// {"phases": [{"name", "from_s", "to_s"}], "tick_s", "seed", "metrics_port",
//  "horizon_s", "faults": [{"index", "target", "what", "from_s", "to_s",
//  "ramp_s"}], "calls": [{"caller", "callee", "timeout_s", "retries",
//  "budget", "throttle", "breaker", "fallback", "hedge_s", "probability",
//  "parallel", (loads) "rate_rps", "arrival", "rate_steps"}],
//  "expect": [text, ...]}
nlohmann::json outline_json(const model::Topology& topo);
std::string render_outline(const nlohmann::json& outline);

}  // namespace faultline::experiment
