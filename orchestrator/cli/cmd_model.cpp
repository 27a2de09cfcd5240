// validate and plan: pure, no root.
#include <cstdio>

#include "orchestrator/cli/commands.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/probe.hpp"

#include <unistd.h>

namespace faultline::cli {

int cmd_validate(const std::string& file, const std::vector<std::string>& set) {
  const auto src = read_or_die(file);
  const auto t = load_or_die(src, set);
  const auto p = plan::make_plan(t, "validate");
  std::printf("%s: ok: %zu nodes, %zu links, %zu segments, %zu faults; %zu namespaces, %zu veth pairs, %zu routes\n",
              src.name.c_str(), t.nodes.size(), t.links.size(), t.segments.size(), t.faults.size(),
              p.namespaces.size(), p.veths.size(), p.routes.size());
  return 0;
}

int cmd_plan(const std::string& file, const std::string& name, const std::vector<std::string>& set) {
  const auto t = load_or_die(file, set);
  // Backends depend on the kernel; probing it needs root. Without root the
  // plan assumes a kernel without sch_netem and says so.
  const bool root = ::geteuid() == 0;
  if (!root) std::printf("# not root: planned as for a kernel without sch_netem (the userspace link engine)\n");
  const std::string run = choose_run_name(t, name);
  std::vector<std::string> missing;
  const auto po = plan_options(t, run, root && runtime::probe_kernel().has(runtime::KernelFeature::kSchNetem), missing);
  for (const auto& m : missing) std::printf("# %s: `up` would refuse to start\n", m.c_str());
  const auto p = plan::make_plan(t, run, po);
  std::fputs(p.render().c_str(), stdout);
  return 0;
}

}  // namespace faultline::cli
