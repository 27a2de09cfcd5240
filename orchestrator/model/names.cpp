// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/model/names.hpp"

#include "orchestrator/model/loader.hpp"

namespace faultline::model::detail {
namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$
bool dns_label(std::string_view s) {
  if (s.empty() || !lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
  for (char c : s)
    if (!lower_alnum(c) && c != '-') return false;
  return true;
}

constexpr const char* kAlphabet =
    "names use lowercase letters, digits and '-', and start and end with a letter or digit "
    "(^[a-z0-9]([a-z0-9-]*[a-z0-9])?$)";

}  // namespace

std::optional<std::string> check_ifname(std::string_view name, std::string_view kind) {
  const std::string q = "'" + std::string(name) + "'";
  if (name.empty()) return std::string("a ") + std::string(kind) + " name cannot be empty";
  if (!dns_label(name)) return q + " is not a valid " + std::string(kind) + " name; " + kAlphabet;
  if (name == "lo") return q + " is reserved for the loopback interface";
  if (name.size() > kMaxIfNameLen)
    return q + " is " + std::to_string(name.size()) + " characters long; node and segment names are at most " +
           std::to_string(kMaxIfNameLen) +
           " characters, because a node's interface toward a peer node is named after that peer and its interface "
           "on a segment after the segment, and Linux interface names hold at most 15 characters (IFNAMSIZ)";
  return std::nullopt;
}

std::optional<std::string> check_service_name(std::string_view name) {
  const std::string q = "'" + std::string(name) + "'";
  if (name.empty()) return std::string("a service name cannot be empty");
  if (!dns_label(name)) return q + " is not a valid service name; " + kAlphabet;
  if (name.size() > kMaxServiceNameLen)
    return q + " is " + std::to_string(name.size()) + " characters long; service names are at most " +
           std::to_string(kMaxServiceNameLen);
  return std::nullopt;
}

std::optional<std::string> check_experiment_name(std::string_view name) {
  const std::string q = "'" + std::string(name) + "'";
  if (name.empty()) return std::string("the experiment name cannot be empty");
  if (name.size() > 64) return q + " is longer than 64 characters";
  for (char c : name) {
    const bool ok = lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '.';
    if (!ok) return q + " contains '" + std::string(1, c) + "'; allowed: letters, digits, '-', '_' and '.'";
  }
  if (name.front() == '.') return q + " starts with '.'; allowed: a letter, digit, '-' or '_' first";
  return std::nullopt;
}

}  // namespace faultline::model::detail
