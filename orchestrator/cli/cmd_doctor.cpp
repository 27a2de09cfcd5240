// SPDX-License-Identifier: Apache-2.0
#include <cstdio>

#include "base/result.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/runtime/probe.hpp"

namespace faultline::cli {

int cmd_doctor() {
  const auto p = runtime::probe_kernel();
  std::fputs(p.render().c_str(), stdout);
  // What `up` cannot do without: root, veth, cpu and memory cgroups.
  std::vector<std::string> missing;
  if (!p.root) missing.push_back("root");
  if (p.root && !p.has(runtime::KernelFeature::kVeth)) missing.push_back("veth");
  if (!p.has(runtime::KernelFeature::kCgroupCpu)) missing.push_back("cpu cgroup controller");
  if (!p.has(runtime::KernelFeature::kCgroupMemory)) missing.push_back("memory cgroup controller");
  if (!missing.empty()) {
    std::string m;
    for (const auto& s : missing) m += (m.empty() ? "" : ", ") + s;
    std::printf("verdict: cannot bring topologies up: missing %s\n", m.c_str());
    return exit_code(Failure::kEnvironment);
  }
  std::printf("verdict: ready\n");
  return 0;
}

}  // namespace faultline::cli
