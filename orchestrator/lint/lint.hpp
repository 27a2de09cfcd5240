// SPDX-License-Identifier: Apache-2.0
// `faultline lint`: what is wrong with a configuration on paper, before a
// run. Pure: from a loaded topology alone (and the host's CPU count, given).
// docs/validating.md describes every check.
#pragma once

#include <vector>

#include "orchestrator/lint/cpu_estimate.hpp"
#include "orchestrator/lint/finding.hpp"
#include "orchestrator/lint/predict.hpp"
#include "orchestrator/model/topology.hpp"

namespace faultline::lint {

struct LintOptions {
  // The host's CPUs: the CPU estimate is judged against them, and they bound
  // nodes without a cpu limit. 0: neither.
  long host_cpus = 0;
  // Links carried by the userspace link engine, whose CPU the estimate counts.
  bool userspace_engine = true;
};

struct LintResult {
  Predictions predictions;
  CpuEstimate cpu;
  std::vector<Finding> findings;  // sorted by position
};

LintResult lint(const model::Topology& topo, const LintOptions& o = {});

}  // namespace faultline::lint
