// SPDX-License-Identifier: Apache-2.0
// A topology built in code rather than loaded, for the plan's pure tests:
// nodes by name, neutral links between pairs of them, defaults everywhere
// else. Tests set impairments, segments and faults on what it returns.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "orchestrator/model/topology.hpp"

namespace faultline::testing {

inline model::Topology hand_topology(const std::vector<std::string>& nodes,
                                     const std::vector<std::pair<std::string, std::string>>& links = {}) {
  model::Topology t;
  for (const auto& name : nodes) {
    model::Node n;
    n.name = model::NodeId{name};
    t.nodes.push_back(n);
  }
  for (const auto& [a, b] : links) {
    model::Link l;
    l.a = model::NodeId{a};
    l.b = model::NodeId{b};
    t.links.push_back(l);
  }
  return t;
}

}  // namespace faultline::testing
