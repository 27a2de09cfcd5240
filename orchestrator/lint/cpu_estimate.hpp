// SPDX-License-Identifier: Apache-2.0
// A rough estimate, before a run, of the CPU its workloads and link engine
// will need. The host is small: an overloaded host delays everything and
// fakes failures the experiment never injected, so the lint and the runner
// warn when the estimate comes near the host's cores. Pure: from the
// topology alone.
#pragma once

#include <string>
#include <vector>

#include "orchestrator/model/topology.hpp"

namespace faultline::lint {

struct CpuEstimate {
  double cores = 0;                     // the total
  std::vector<std::string> breakdown;   // "api: 0.42 cores (400 req/s x 1.05 ms)", ...
  // The node of the load generator with the highest peak rate: where a
  // finding about the total points. Null without loads.
  const model::Node* heaviest_load = nullptr;
};

// Per request, what serving costs besides the configured `work`: parsing,
// the response, metrics (measured on this host at about 20-40 us; the
// load generator's per-request cost is of the same order).
inline constexpr double kServeOverheadS = 40e-6;
inline constexpr double kClientOverheadS = 30e-6;
// The link engine: a packet costs about 3 us; a request is about 4 packets
// per hop each way with keep-alive (data and ACKs).
inline constexpr double kEnginePacketS = 3e-6;

// Rates follow the calls (their probabilities, without retries, which a
// fault may multiply; lint/flow.hpp) from the loads at their planned peak:
// the largest scheduled or fault rate. CPU hogs the faults start count
// too, and a node's cgroup limit caps what its services and hogs use.
CpuEstimate estimate_cpu(const model::Topology& topo, bool userspace_engine);

// Above this share of the host's cores the lint warns and the runner warns
// before it starts: the measurements would suffer.
inline constexpr double kHostCpuWarnShare = 0.8;
inline bool crowds_host(const CpuEstimate& e, long cpus) {
  return cpus > 0 && e.cores > kHostCpuWarnShare * static_cast<double>(cpus);
}
// The breakdown as one line: "api: 0.42 cores (...); db: ...".
std::string breakdown_line(const CpuEstimate& e);

}  // namespace faultline::lint
