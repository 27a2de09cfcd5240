// The faultline subcommands. Each returns the process exit code; bad input and
// a missing environment are raised as FatalError and turned into codes in main.
#pragma once

#include <string>
#include <vector>

#include "orchestrator/model/topology.hpp"

namespace faultline::cli {

struct UpArgs {
  std::string file;
  std::string name;
  std::vector<std::string> set;
  bool foreground = false;
  std::string log_dir;
  bool verbose = false;
};

int cmd_validate(const std::string& file, const std::vector<std::string>& set);
int cmd_plan(const std::string& file, const std::string& name, const std::vector<std::string>& set);
int cmd_up(const UpArgs& a);
int cmd_status(const std::string& run);
int cmd_exec(const std::string& run, const std::string& node, const std::vector<std::string>& argv);
int cmd_down(const std::string& run);
int cmd_cleanup();
int cmd_doctor();
int cmd_fault(const std::string& run, const std::vector<std::string>& args, bool clear);

// Shared helpers.
// Loads and validates; prints every diagnostic to stderr; FatalError(2) on any.
model::Topology load_or_die(const std::string& file, const std::vector<std::string>& set);
// Fails with exit code 3 unless running as root.
void require_root(const std::string& what);
// A free run name derived from the experiment name, or `wanted` verbatim (checked).
std::string choose_run_name(const model::Topology& t, const std::string& wanted);

}  // namespace faultline::cli
