// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/lint/call_graph.hpp"

namespace faultline::lint {

CallGraph::CallGraph(const model::Topology& topo) {
  for (const auto& n : topo.nodes)
    for (const auto& s : n.services) {
      ServiceRef ref{&n, &s, {}};
      for (const auto& e : s.endpoints) {
        ref.endpoints.push_back(endpoints_.size());
        endpoints_.push_back({services_.size(), &e, {}});
      }
      services_.push_back(std::move(ref));
    }
  for (auto& e : endpoints_)
    for (const auto& c : e.endpoint->calls)
      if (auto to = resolve(c.to_node, c.to_port, c.path)) e.calls.push_back({&c, *to});
  for (const auto& n : topo.nodes) {
    if (!n.load) continue;
    LoadRef l{&n, {}};
    double weights = 0;
    for (const auto& k : n.load->mix) weights += k.weight;
    for (const auto& k : n.load->mix)
      if (auto e = resolve(n.load->target_node, n.load->target_port, k.path))
        l.targets.push_back({*e, weights > 0 ? k.weight / weights : 1.0});
    loads_.push_back(std::move(l));
  }
}

std::optional<size_t> CallGraph::find_service(const std::string& name) const {
  for (size_t i = 0; i < services_.size(); ++i)
    if (services_[i].service->name == name) return i;
  return std::nullopt;
}

std::optional<size_t> CallGraph::resolve(const std::string& node, uint16_t port, const std::string& path) const {
  for (const auto& s : services_) {
    if (s.node->name != node || s.service->port != port) continue;
    for (size_t e : s.endpoints)
      if (endpoints_[e].endpoint->path == path) return e;
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace faultline::lint
