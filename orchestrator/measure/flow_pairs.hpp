// SPDX-License-Identifier: Apache-2.0
// The flow view per node pair: the flow programs' counters (per observing
// node and address pair, ebpf/flow_loader.hpp) mapped to the plan's nodes by
// their addresses. Each pair is directed: "a->b" holds what travelled from a
// to b (a's packets to b, drops of them anywhere, a's retransmissions to b,
// resets a sent to b and b received from a, a's connection attempts to b).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ebpf/flow_loader.hpp"
#include "orchestrator/plan/plan.hpp"

namespace faultline::measure {

struct PairFlow {
  ebpf::FlowCounters counters;
  std::map<std::string, uint64_t> drops_by_reason;  // the kernel's reason name -> drops
};

// (from node, to node) -> its flow.
using FlowPairs = std::map<std::pair<std::string, std::string>, PairFlow>;

// nodes[i] is the node the programs call node i (runtime::Run::flow_nodes()).
// Packets, bytes and RTT count where the sender's own kernel sent them (a
// router on the way sends them again); everything else as observed. Traffic
// to or from addresses the plan does not give a node, and within one node, is
// left out.
FlowPairs flow_pairs(const plan::Plan& plan, const std::vector<std::string>& nodes, const ebpf::FlowSnapshot& s);

}  // namespace faultline::measure
