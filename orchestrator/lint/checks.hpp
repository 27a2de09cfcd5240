// SPDX-License-Identifier: Apache-2.0
// The lint's checks, one file each; lint() runs them all over one set of
// predictions. Each appends its findings.
#pragma once

#include <vector>

#include "orchestrator/lint/call_graph.hpp"
#include "orchestrator/lint/finding.hpp"
#include "orchestrator/lint/lint.hpp"
#include "orchestrator/lint/network.hpp"
#include "orchestrator/lint/predict.hpp"

namespace faultline::lint {

struct CheckInput {
  const model::Topology& topo;
  const CallGraph& graph;
  const Network& net;
  const Predictions& pred;
  const CpuEstimate& cpu;
  const LintOptions& options;
};

// Utilisation >= 80% (warning), >= 100% (critical); an Erlang C p99 above the SLO.
void check_capacity(const CheckInput& in, std::vector<Finding>& out);
// Inner retries that cannot finish before the caller gives up.
void check_timeout_budgets(const CheckInput& in, std::vector<Finding>& out);
// Retries at more than one tier of a path, and [expect]'s amplification bound.
void check_amplification(const CheckInput& in, std::vector<Finding>& out);
// The HotOS'25 condition: a queue holding more work than its callers wait,
// with abandoned requests served anyway.
void check_metastability(const CheckInput& in, std::vector<Finding>& out);
// The run's CPU estimate against the host's cores.
void check_host_cpu(const CheckInput& in, std::vector<Finding>& out);
// A full backlog's request_memory against the node's memory limit.
void check_memory(const CheckInput& in, std::vector<Finding>& out);
// Settings that are allowed but almost certainly not meant.
void check_slips(const CheckInput& in, std::vector<Finding>& out);

}  // namespace faultline::lint
