// validate and plan: pure, no root.
#include <cstdio>

#include "orchestrator/cli/commands.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/probe.hpp"

#include <unistd.h>

namespace faultline::cli {

int cmd_validate(const std::string& file, const std::vector<std::string>& set) {
  const auto t = load_or_die(file, set);
  const auto p = plan::make_plan(t, "validate");
  std::printf("%s: ok: %zu nodes, %zu links, %zu segments, %zu faults; %zu namespaces, %zu veth pairs, %zu routes\n",
              file.c_str(), t.nodes.size(), t.links.size(), t.segments.size(), t.faults.size(),
              p.namespaces.size(), p.veths.size(), p.routes.size());
  return 0;
}

int cmd_plan(const std::string& file, const std::string& name, const std::vector<std::string>& set) {
  const auto t = load_or_die(file, set);
  // Backends depend on the kernel; probing it needs root. Without root the
  // plan assumes a kernel without sch_netem and says so.
  plan::PlanOptions po;
  if (::geteuid() == 0) po.kernel_netem = runtime::probe_kernel().has("sch_netem");
  else std::printf("# not root: planned as for a kernel without sch_netem (the userspace link engine)\n");
  const auto p = plan::make_plan(t, name.empty() ? choose_run_name(t, "") : choose_run_name(t, name), po);
  std::fputs(p.render().c_str(), stdout);
  return 0;
}

}  // namespace faultline::cli
