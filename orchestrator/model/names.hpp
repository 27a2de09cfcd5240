// SPDX-License-Identifier: Apache-2.0
// Names that end up in the kernel: a node's interface toward a peer node is
// named after the peer, and its interface on a segment after the segment.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace faultline::model::detail {

// Node and segment names. Returns what is wrong, or nullopt.
std::optional<std::string> check_ifname(std::string_view name, std::string_view kind);

// Service names become metric labels and check references, not interfaces:
// same alphabet, longer limit.
std::optional<std::string> check_service_name(std::string_view name);

// Experiment names become directory and object prefixes.
std::optional<std::string> check_experiment_name(std::string_view name);

inline constexpr size_t kMaxServiceNameLen = 63;

// A service without a name is called after its node: "api" for the node's
// first service, "api-8080" for a later one (by its port).
inline std::string default_service_name(const std::string& node, size_t index, long long port) {
  return index == 0 ? node : node + "-" + std::to_string(port);
}

}  // namespace faultline::model::detail
