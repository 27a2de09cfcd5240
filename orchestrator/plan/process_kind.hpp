// SPDX-License-Identifier: Apache-2.0
// What a process the run starts in a node is: a service (its records are
// that service's), the node's load generator (the node's load records) or
// the node's own command (no records). Made once by the plan and carried as
// one value to the run's exits, so that what ended is known without reading
// its display name.
#pragma once

#include <string>

namespace faultline::plan {

enum class ProcessRole { kUnknown, kService, kLoad, kCommand };

struct ProcessKind {
  std::string name;  // "service api", "command", "load": for people (logs, journal, events); "": unknown
  ProcessRole role = ProcessRole::kUnknown;
  std::string service;  // kService: the service it runs

  // How a message names it after its pid: " (service api)"; "" when unknown.
  std::string in_parentheses() const { return name.empty() ? "" : " (" + name + ")"; }
};

}  // namespace faultline::plan
