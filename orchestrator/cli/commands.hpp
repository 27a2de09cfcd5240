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
};

struct TracesArgs {
  std::string dir;                // results folder
  std::string out;                // default DIR/traces.otlp.json
  std::optional<double> from_s;   // spans that start in [from, to), seconds since the start
  std::optional<double> to_s;
};

int cmd_validate(const std::string& file, const std::vector<std::string>& set);
int cmd_plan(const std::string& file, const std::string& name, const std::vector<std::string>& set);
int cmd_up(const UpArgs& a);
int cmd_status(const std::string& run);
int cmd_exec(const std::string& run, const std::string& node, const std::vector<std::string>& argv);
int cmd_down(const std::string& run);
int cmd_cleanup();
int cmd_doctor();
int cmd_run(const RunArgs& a);
int cmd_compare(const std::string& dir);
int cmd_report(const std::string& dir);
int cmd_traces(const TracesArgs& a);
int cmd_fault(const std::string& run, const std::vector<std::string>& args, bool clear);

// Shared helpers.
// Reads a topology file ("-": standard input, read once) or fails with
// bad input naming it and what is allowed.
model::TopologySource read_or_die(const std::string& file);
// Loads and validates; prints every diagnostic to stderr; bad input on any.
model::Topology load_or_die(const model::TopologySource& src, const std::vector<std::string>& set);
model::Topology load_or_die(const std::string& file, const std::vector<std::string>& set);
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
