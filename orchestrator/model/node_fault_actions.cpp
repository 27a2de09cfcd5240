// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/model/node_fault_actions.hpp"

#include <array>
#include <utility>

namespace faultline::model {

namespace {
using A = Fault::Action;
const std::array<std::pair<const char*, A>, 6> kActions = {{{"pause", A::kPause},
                                                            {"kill", A::kKill},
                                                            {"restart", A::kRestart},
                                                            {"cpu-hog", A::kCpuHog},
                                                            {"memory-hog", A::kMemoryHog},
                                                            {"partition", A::kPartition}}};
}  // namespace

const std::vector<std::string>& node_fault_action_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& [name, a] : kActions) v.emplace_back(name);
    return v;
  }();
  return names;
}

std::optional<Fault::Action> node_fault_action(std::string_view name) {
  for (const auto& [n, a] : kActions)
    if (name == n) return a;
  return std::nullopt;
}

bool stops_node(Fault::Action a) { return a == A::kPause || a == A::kKill || a == A::kRestart; }

}  // namespace faultline::model
