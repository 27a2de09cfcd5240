// SPDX-License-Identifier: Apache-2.0
// Node faults typed at the keyboard (`faultline fault RUN node:db cpu=0.1`):
// the run owner applies them with the same runtime calls as the experiment
// timeline and holds each AppliedNodeFault until `--clear node:db`,
// `--clear all`, or the run goes down, so a typed fault is undone like a
// timeline one. One fault of each kind per node: a second cpu cut replaces
// the first (the first is reverted, then the new one applied).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "orchestrator/model/topology.hpp"
#include "orchestrator/runtime/node_faults.hpp"

namespace faultline::cli {

// "cpu=0.1", "memory=64MiB", "pause", "kill", "restart", "partition",
// "cpu-hog=1", "memory-hog=256MiB" into the node fault the loader would make
// of the same [[fault]]; an error says what is allowed.
Result<model::Fault> parse_node_fault(const std::string& node, const std::vector<std::string>& args);

class NodeFaultBook {
 public:
  explicit NodeFaultBook(runtime::Run& run) : run_(run) {}
  NodeFaultBook(const NodeFaultBook&) = delete;
  NodeFaultBook& operator=(const NodeFaultBook&) = delete;
  ~NodeFaultBook() { (void)clear_all(); }  // AppliedNodeFault never throws

  // Applies the fault, replacing held faults of the same kinds on the node.
  // Returns what is now applied ("cpu 0.1 cores on db", ...).
  Result<std::vector<std::string>> apply(const model::Fault& f);
  // Reverts every fault held on the node ("" or "all": on every node).
  Status clear(const std::string& node);
  Status clear_all() { return clear(""); }
  // {"node": ["cpu 0.1 cores on db", ...]}
  nlohmann::json describe() const;

 private:
  runtime::Run& run_;
  std::map<model::NodeId, std::vector<runtime::AppliedNodeFault>> held_;
};

}  // namespace faultline::cli
