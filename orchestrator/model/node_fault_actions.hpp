// SPDX-License-Identifier: Apache-2.0
// What a node fault can do, by the names the topology file and `faultline
// fault` both use, so the loader and the keyboard accept the same words and
// apply the same rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/model/topology.hpp"

namespace faultline::model {

// "pause", "kill", "restart", "cpu-hog", "memory-hog", "partition".
const std::vector<std::string>& node_fault_action_names();
std::optional<Fault::Action> node_fault_action(std::string_view name);
// pause, kill and restart stop the node's processes: a cpu or memory limit
// means nothing during them.
bool stops_node(Fault::Action a);
// The smallest memory limit a node or a fault may set: below a MiB not even
// the service binary starts, so a smaller value is surely a missing unit.
inline constexpr uint64_t kMinMemoryLimit = 1ull << 20;

}  // namespace faultline::model
