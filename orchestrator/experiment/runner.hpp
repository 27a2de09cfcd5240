// SPDX-License-Identifier: Apache-2.0
// `faultline run`: one experiment from its topology to its results folder.
// Phases: up, warm-up, baseline, the fault timeline, the recovery horizon,
// down. The run owns everything it creates; faults are reverted at their
// end, on error and on Ctrl-C, and the run is taken down on every path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/experiment/expectations.hpp"
#include "orchestrator/model/topology.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/probe.hpp"

namespace faultline::experiment {

struct RunnerOptions {
  std::string out_dir;           // the results folder (created)
  std::string run_name;          // the kernel-side run name (unique)
  std::string file;              // the topology file, for the summary
  std::string variant;           // "" when there are no variants
  int repeat = 0;
  std::vector<std::string> overrides;
  plan::PlanOptions plan;        // kernel netem, workload binaries
  runtime::Probe probe;
  bool progress_tty = false;     // a live status line instead of log lines
  int signal_fd = -1;            // a signalfd of SIGINT/SIGTERM/SIGHUP: stops the run early
};

struct RunnerResult {
  bool interrupted = false;
  bool passed = false;           // every expectation held (and not interrupted)
  analysis::Findings analysis;
  std::vector<Verdict> verdicts;
  nlohmann::json summary;
  std::string headline;          // the verdict in one line
};

Result<RunnerResult> run_experiment(const model::Topology& topo, const RunnerOptions& opts);

}  // namespace faultline::experiment
