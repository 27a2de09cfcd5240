// SPDX-License-Identifier: Apache-2.0
// plan: pure, no root (with root it probes the kernel for sch_netem).
#include <cstdio>

#include "orchestrator/cli/commands.hpp"
#include "orchestrator/experiment/outline.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/plan/plan_json.hpp"
#include "orchestrator/runtime/probe.hpp"

#include <unistd.h>

namespace faultline::cli {

namespace {

// After the kernel objects, what the run does with them: phases, faults,
// calls, expectations (experiment/outline.hpp).
void print_experiment(const model::Topology& t) {
  std::fputs("\n", stdout);
  std::fputs(experiment::render_outline(experiment::outline_json(t)).c_str(), stdout);
}

}  // namespace

int cmd_plan(const std::string& file, const std::string& name, const std::vector<std::string>& set, bool json) {
  const auto t = load_or_die(read_or_die(file, json), set, json);
  // Backends depend on the kernel; probing it needs root. Without root the
  // plan assumes a kernel without sch_netem and says so.
  const bool root = ::geteuid() == 0;
  const std::string run = choose_run_name(t, name);
  std::vector<std::string> missing;
  const auto po = plan_options(t, run, root && runtime::probe_kernel().has(runtime::KernelFeature::kSchNetem), missing);
  const auto p = plan::make_plan(t, run, po);
  if (json) {
    auto out = plan::plan_json(p);
    out["probed"] = root;
    out["missing"] = missing;
    out["outline"] = experiment::outline_json(t);
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  if (!root) std::printf("# not root: planned as for a kernel without sch_netem (the userspace link engine)\n");
  for (const auto& m : missing) std::printf("# %s: `up` would refuse to start\n", m.c_str());
  std::fputs(p.render().c_str(), stdout);
  print_experiment(t);
  return 0;
}

}  // namespace faultline::cli
