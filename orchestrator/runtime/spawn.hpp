// SPDX-License-Identifier: Apache-2.0
// Processes inside nodes, through Boost.Process: between fork and exec the
// child joins the node's cgroup (so it is limited before it runs anything),
// then its uts, net and mount namespaces.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "orchestrator/runtime/proc.hpp"

namespace faultline::runtime {

// What a process needs to enter a node: open namespace and cgroup.procs fds.
struct NodeEntry {
  std::string node;
  UniqueFd net, uts, mnt;                 // /proc/<holder>/ns/*
  std::vector<UniqueFd> cgroup_procs;     // cgroup.procs of each hierarchy

  // From a live holder (verified by its recorded id) and the cgroup's procs fds.
  static Result<NodeEntry> open(const std::string& node, const ProcId& holder, std::vector<UniqueFd> cgroup_procs);
};

struct SpawnOptions {
  std::string log_path;          // stdout and stderr appended here; empty: inherit
  bool die_with_parent = true;   // PR_SET_PDEATHSIG(SIGKILL)
  bool inherit_stdio = false;    // interactive `faultline exec`
  std::vector<std::string> env;  // extra KEY=VALUE
  // Resolve an absolute argv[0] in the orchestrator's file system, not the
  // node's: faultline's own binaries may live where a node has its private
  // mounts (a build tree under /tmp), which the node cannot see.
  bool exe_from_host = false;
};

// A process running in a node. Move-only; the destructor kills it (by pid,
// verified) and reaps it, and never throws.
class NodeProcess {
 public:
  static Result<NodeProcess> spawn(const NodeEntry& node, const std::vector<std::string>& argv,
                                   const SpawnOptions& opts);
  NodeProcess();
  NodeProcess(NodeProcess&&) noexcept;
  NodeProcess& operator=(NodeProcess&&) noexcept;
  ~NodeProcess();

  const ProcId& id() const { return id_; }
  const std::string& node() const { return node_; }
  // Non-blocking: true (and the raw wait status) once it has exited.
  bool exited(int* status = nullptr);
  // Blocks until exit; returns the exit code (128+signal when killed).
  int wait();
  Status kill();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ProcId id_;
  std::string node_;
};

}  // namespace faultline::runtime
