// SPDX-License-Identifier: Apache-2.0
// The run's CPU estimate against the host's cores: the host is the
// measuring instrument, and an overloaded one delays everything and fakes
// failures the experiment never injected.
#include "orchestrator/lint/checks.hpp"
#include "orchestrator/lint/format.hpp"

namespace faultline::lint {

void check_host_cpu(const CheckInput& in, std::vector<Finding>& out) {
  const long cpus = in.options.host_cpus;
  if (!crowds_host(in.cpu, cpus)) return;
  const std::string why = breakdown_line(in.cpu);
  const SourceLoc loc = in.cpu.heaviest_load ? in.cpu.heaviest_load->load->loc : in.topo.experiment.loc;
  out.push_back({loc, "host-cpu",
                 in.cpu.cores > static_cast<double>(cpus) ? Severity::kCritical : Severity::kWarning,
                 "the workloads need about " + fmt_num(in.cpu.cores) + " cores at their peak and the host has " +
                     std::to_string(cpus) + ": an overloaded host delays everything and fakes failures (" + why + ")",
                 "lower rates (at most " + fmt_num(kHostCpuWarnShare * static_cast<double>(cpus)) +
                     " cores' worth), less work per request, or a bigger host",
                 {},
                 {{"cores", in.cpu.cores}, {"host_cpus", static_cast<double>(cpus)}}});
}

}  // namespace faultline::lint
