// SPDX-License-Identifier: Apache-2.0
// One experiment run as `faultline run` executes it, shared by `run` (each
// variant and repeat) and `explore` (each point of its search): load with
// the overrides, plan, run, write report.html, print the verdict lines.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "orchestrator/experiment/runner.hpp"
#include "orchestrator/model/topology_source.hpp"
#include "orchestrator/runtime/probe.hpp"

namespace faultline::cli {

// What every run of one invocation shares.
struct RunContext {
  const model::TopologySource* src = nullptr;  // read once ("-" cannot be read again)
  std::string file;                            // as given on the command line
  runtime::Probe probe;
  int signal_fd = -1;                          // from block_control_signals()
  bool quiet = false;                          // no live status line
};

struct OneRun {
  std::vector<std::string> set;  // every override, the seed's included
  std::string out_dir;
  std::string name;              // kernel-side run name; "" chooses a free one
  std::string variant;
  int repeat = 0;
};

// Blocks Ctrl-C, SIGTERM and SIGHUP and returns a signalfd of them: the
// runner reads it between ticks, so that every fault is reverted and the
// run taken down before the process ends.
UniqueFd block_control_signals();

// Runs it; a runtime failure fails the verb (exit 4), missing workload
// binaries exit 3. Prints PASS/FAIL/INTERRUPTED with the headline, the
// order of degradation, failed expectations and where the results are.
experiment::RunnerResult run_one(const RunContext& ctx, const OneRun& r);

// The --junit FILE's folder must exist before minutes of runs.
void check_junit_path(const std::string& path);
// Writes the expectations of these runs as JUnit XML (nothing when path is "").
void write_junit_file(const std::string& path, const std::string& xml);

}  // namespace faultline::cli
