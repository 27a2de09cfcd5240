// SPDX-License-Identifier: Apache-2.0
// From a run's request records to what the analysis judges: for each
// service the attempts its callers sent it, for each call edge the caller's
// own attempts, and when each service's controls engaged (a breaker
// refusing a call, a queue shedding a request, a retry budget or throttle
// refusing a retry), each in seconds since the experiment started.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/experiment/records.hpp"
#include "orchestrator/model/topology.hpp"

namespace faultline::experiment {

// Fills the tries of in.services and in.edges (which must be listed
// already) and the services' control times. t0_ns: CLOCK_MONOTONIC at the
// experiment's start.
void add_requests(const model::Topology& topo, const std::map<std::string, RecordSource>& records, int64_t t0_ns,
                  analysis::Input& in);

// The controls a service has, by the names the analysis uses: a queue
// always bounds ("shedding"); "breaker" and "retry budget" only where its
// calls configure them.
std::vector<std::string> controls_of(const model::Service& s);

}  // namespace faultline::experiment
