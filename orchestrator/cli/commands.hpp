// SPDX-License-Identifier: Apache-2.0
// The faultline subcommands. Each returns the process exit code; failures are
// raised through fail() (failure.hpp) and turned into codes in main.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "orchestrator/model/topology.hpp"
#include "orchestrator/model/topology_source.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/state.hpp"

namespace faultline::cli {

struct UpArgs {
  std::string file;
  std::string name;
  std::vector<std::string> set;
  bool foreground = false;
  std::string log_dir;
  bool verbose = false;
};

struct RunArgs {
  std::string file;
  std::string out;                 // results folder; default results/<name>-<time>
  std::optional<uint64_t> seed;    // overrides experiment.seed (repeats add 1, 2, ...)
  std::vector<std::string> set;
  int repeat = 1;
  std::string variant;             // only this [[variant]]
  std::string name;                // kernel-side run name
  bool quiet = false;              // no live status line
  std::string junit;               // also write the expectations as JUnit XML here
};

struct CompareArgs {
  std::string dir;
  bool json = false;               // the table as JSON on standard output
  std::string junit;               // also write every run's expectations as JUnit XML here
};

struct ExploreArgs {
  std::string file;
  std::vector<std::string> vary;   // KEY=LO..HI, one or two
  std::vector<std::string> set;
  int repeat = 3;                  // runs at each point bracketing the boundary
  int budget = 0;                  // runs in all; 0: 12, or 8 per line with two axes
  int lines = 5;                   // values of the second axis
  std::string out;                 // default results/NAME-explore-TIME; the same folder resumes
  std::optional<uint64_t> seed;
  bool quiet = false;
  std::string junit;
};

// validate and lint.
struct LintArgs {
  std::string file;
  std::vector<std::string> set;
  bool strict = false;  // a finding exits with 1
  bool json = false;    // one JSON document on standard output
};

struct TracesArgs {
  std::string dir;                // results folder
  std::string out;                // default DIR/traces.otlp.json
  std::optional<double> from_s;   // spans that start in [from, to), seconds since the start
  std::optional<double> to_s;
};

struct WatchArgs {
  std::string run;
  bool once = false;         // one block, then exit
  double interval_s = 1.0;   // between refreshes
};

int cmd_validate(const LintArgs& a);
int cmd_lint(const LintArgs& a);
int cmd_plan(const std::string& file, const std::string& name, const std::vector<std::string>& set, bool json);
int cmd_up(const UpArgs& a);
int cmd_status(const std::string& run, bool json);
int cmd_exec(const std::string& run, const std::string& node, const std::vector<std::string>& argv);
int cmd_down(const std::string& run);
int cmd_cleanup();
int cmd_doctor();
int cmd_run(const RunArgs& a);
int cmd_compare(const CompareArgs& a);
int cmd_explore(const ExploreArgs& a);
int cmd_report(const std::string& dir);
int cmd_traces(const TracesArgs& a);
int cmd_fault(const std::string& run, const std::vector<std::string>& args, bool clear);
int cmd_watch(const WatchArgs& a);
int cmd_new(const std::string& name, const std::string& dir);

// Shared helpers.
// Reads a topology file ("-": standard input, read once) or fails with
// bad input naming it and what is allowed.
model::TopologySource read_or_die(const std::string& file, bool json = false);
// Loads and validates; prints every diagnostic to stderr; bad input on any.
// With json the diagnostics also go to standard output as one document,
// {"file", "ok": false, "errors": [{"file", "line", "col", "message"}]}.
model::Topology load_or_die(const model::TopologySource& src, const std::vector<std::string>& set, bool json = false);
model::Topology load_or_die(const std::string& file, const std::vector<std::string>& set);
// One run's topology (model::load_source_for_run): its variants not checked again.
model::Topology load_run_or_die(const model::TopologySource& src, const std::vector<std::string>& set);
// The topology file as a run records it: an absolute path, or <stdin>.
std::string recorded_file(const std::string& file);
// The state of run `run`, or bad input naming the run and how to list runs.
runtime::RunState require_run(const std::string& run);
// Fails with exit code 3 unless running as root.
void require_root(const std::string& what);
// A free run name derived from the experiment name, or `wanted` verbatim (checked).
std::string choose_run_name(const model::Topology& t, const std::string& wanted);
// The plan options of run `run`: the run's workload folder and the workload
// binaries the topology needs; a binary that cannot be found keeps its bare
// name and is explained in `missing`.
plan::PlanOptions plan_options(const model::Topology& t, const std::string& run, bool kernel_netem,
                               std::vector<std::string>& missing);

}  // namespace faultline::cli
