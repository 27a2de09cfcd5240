// SPDX-License-Identifier: Apache-2.0
// `faultline exec RUN NODE -- CMD`: a command (or an interactive shell) inside
// a node: its namespaces and its cgroup, with the terminal inherited.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "base/result.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/spawn.hpp"
#include "orchestrator/runtime/state.hpp"

namespace faultline::cli {

int cmd_exec(const std::string& run, const std::string& node, const std::vector<std::string>& argv_in) {
  require_root("exec");
  const auto st = require_run(run);
  const auto* h = st.holder(node);
  if (!h || node == plan::kFabric) {
    std::string nodes;
    for (const auto& n : st.nodes) nodes += (nodes.empty() ? "" : ", ") + n;
    fail(Failure::kBadInput, "run " + run + " has no node '" + node + "'; its nodes: " + nodes);
  }
  auto layout = runtime::CgroupLayout::probe();
  if (!layout.ok()) fail(Failure::kEnvironment, layout.error().message());
  auto cg = runtime::Cgroup::adopt(layout.value(), plan::run_cgroup_path(run) + "/" + node);
  auto fds = cg.open_procs_for_join();
  cg.release();  // the run owns the cgroup; exec only joins it
  if (!fds.ok()) fail(Failure::kRuntime, fds.error().message());
  auto entry = runtime::NodeEntry::open(node, h->id, std::move(fds.value()));
  if (!entry.ok()) fail(Failure::kRuntime, entry.error().message());

  std::vector<std::string> argv = argv_in;
  if (argv.empty()) {
    const char* shell = std::getenv("SHELL");
    argv = {shell && *shell ? shell : "/bin/bash"};
  }
  runtime::SpawnOptions so;
  so.inherit_stdio = true;
  so.die_with_parent = false;
  so.env = {"FAULTLINE_RUN=" + run, "FAULTLINE_NODE=" + node};
  // The child gets the terminal's signals; this process waits for it.
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  auto p = runtime::NodeProcess::spawn(entry.value(), argv, so);
  if (!p.ok()) fail(Failure::kRuntime, p.error().message());
  return p->wait();
}

}  // namespace faultline::cli
