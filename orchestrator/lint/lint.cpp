// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/lint/lint.hpp"

#include <algorithm>

#include "orchestrator/lint/checks.hpp"

namespace faultline::lint {

LintResult lint(const model::Topology& topo, const LintOptions& o) {
  const CallGraph g(topo);
  const Network net(topo);
  LintResult r;
  r.predictions = predict(topo, g, net, {o.host_cpus});
  r.cpu = estimate_cpu(topo, o.userspace_engine);
  const CheckInput in{topo, g, net, r.predictions, r.cpu, o};
  check_capacity(in, r.findings);
  check_timeout_budgets(in, r.findings);
  check_amplification(in, r.findings);
  check_metastability(in, r.findings);
  check_host_cpu(in, r.findings);
  check_memory(in, r.findings);
  check_slips(in, r.findings);
  std::stable_sort(r.findings.begin(), r.findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.loc.file, a.loc.line, a.loc.col) < std::tie(b.loc.file, b.loc.line, b.loc.col);
  });
  return r;
}

}  // namespace faultline::lint
