// What `faultline plan` prints about the experiment, after the kernel
// objects: its phases with their times, the fault timeline, the call graph
// with each call's resilience settings, and the expectations. Pure text from
// the topology (the same schedule the runner follows: schedule.hpp,
// timeline.hpp), so the plan cannot promise a run the runner would not do.
#pragma once

#include <string>

#include "orchestrator/model/topology.hpp"

namespace faultline::experiment {

std::string render_outline(const model::Topology& topo);

}  // namespace faultline::experiment
