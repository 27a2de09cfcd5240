// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/measure/flow_pairs.hpp"

namespace faultline::measure {

FlowPairs flow_pairs(const plan::Plan& plan, const std::vector<std::string>& nodes, const ebpf::FlowSnapshot& s) {
  std::map<uint32_t, const model::NodeId*> owner;
  for (const auto& a : plan.addresses) owner[a.prefix.addr] = &a.node;
  auto node_of = [&](uint32_t addr) -> const model::NodeId* {
    auto it = owner.find(addr);
    return it == owner.end() ? nullptr : it->second;
  };
  auto pair_of = [&](const ebpf::FlowKey& k) -> std::optional<std::pair<std::string, std::string>> {
    const model::NodeId *from = node_of(k.saddr), *to = node_of(k.daddr);
    if (!from || !to || *from == *to) return std::nullopt;
    return std::pair(from->str(), to->str());
  };
  FlowPairs out;
  for (const auto& [k, c] : s.flows) {
    const auto p = pair_of(k);
    if (!p) continue;
    ebpf::FlowCounters add = c;
    const bool sender = k.node < nodes.size() && nodes[k.node] == p->first;
    if (!sender) add.packets = add.bytes = add.srtt_us_sum = add.srtt_samples = 0;
    out[*p].counters += add;
  }
  for (const auto& [k, n] : s.drops) {
    const auto p = pair_of(k.flow);
    if (!p) continue;
    out[*p].drops_by_reason[ebpf::drop_reason_name(k.reason)] += n;
  }
  return out;
}

}  // namespace faultline::measure
