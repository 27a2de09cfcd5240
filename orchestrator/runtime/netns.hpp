// SPDX-License-Identifier: Apache-2.0
// A node is a process-held set of namespaces. The holder is a tiny process
// forked from the orchestrator into new net, uts and mount namespaces; the
// namespaces live exactly as long as it does, so killing the holder (by its
// recorded id) removes the namespace and every interface inside it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "orchestrator/runtime/proc.hpp"

namespace faultline::runtime {

struct HolderSpec {
  std::string hostname;        // uts namespace hostname; empty: no new uts ns
  bool new_mount_ns = true;    // own mount ns: private /tmp and /run, own /etc/hosts
  std::string hosts_file;      // bind-mounted read-only over /etc/hosts when set
  // A host folder visible read-only at the same path inside the node (the
  // run's workload configurations), even under the node's private /tmp or /run.
  std::string shared_dir;
  bool die_with_parent = true; // PR_SET_PDEATHSIG(SIGKILL): dies with the creating thread
  // net.ipv6.conf.default.disable_ipv6=1 in the new netns: interfaces created
  // in it later have no IPv6 (lo keeps ::1). Nodes are addressed over IPv4
  // only; left on, every new interface sends DAD, MLD and router
  // solicitations that a shared bridge floods to every port, which made
  // enslaving port N cost O(N) (4.6 ms per port on a 800-port bridge here
  // against 1.2 ms with IPv6 off) and adds traffic the measurements would see.
  bool disable_ipv6 = true;
};

class NodeHolder {
 public:
  // Forks the holder, which unshares, configures its mount ns, brings lo up
  // and then pauses forever (SIGINT/SIGQUIT/SIGHUP ignored, so a terminal's Ctrl-C
  // does not take the namespaces away; the owner ends it with SIGKILL).
  // Returns once the namespaces are ready; error carries errno and step.
  static Result<NodeHolder> spawn(const HolderSpec& spec);
  // The same for many holders, with up to `parallel` of them setting up at
  // once. Creating a netns is CPU-bound kernel work done in the child, so on
  // a multi-core host children overlap; results are in spec order.
  static std::vector<Result<NodeHolder>> spawn_many(const std::vector<HolderSpec>& specs, int parallel = 8);

  NodeHolder() = default;
  NodeHolder(NodeHolder&&) noexcept;
  NodeHolder& operator=(NodeHolder&&) noexcept;
  NodeHolder(const NodeHolder&) = delete;
  NodeHolder& operator=(const NodeHolder&) = delete;
  ~NodeHolder();  // kill_and_wait(); never throws

  const ProcId& id() const { return id_; }
  uint64_t netns_inode() const { return netns_inode_; }
  int netns_fd() const { return netns_.get(); }  // open fd on /proc/PID/ns/net
  bool valid() const { return id_.pid > 0; }

  // SIGKILL and reap. Idempotent.
  Status kill_and_wait();
  // kill_and_wait for many: all are signalled first so their exits (each
  // tears down its namespaces) overlap. Returns the first error.
  static Status kill_many(std::span<NodeHolder> holders);
  // Give up ownership without killing (the run stays up without this object).
  ProcId release();

 private:
  // spawn in two halves: clone (the child starts setting up) and wait for its
  // report, which arrives in a shared page that finish_spawn unmaps. Between
  // them the holder owns the child and kills it on error.
  static Result<NodeHolder> start_spawn(const HolderSpec& spec, void** report);
  Status finish_spawn(void* report);

  ProcId id_;
  uint64_t netns_inode_ = 0;
  UniqueFd pidfd_;
  UniqueFd netns_;
  void* stack_ = nullptr;  // the holder's stack in this address space (CLONE_VM; none when forked), unmapped once it is reaped
};

// Runs fn on a temporary thread that has joined the network namespace netns_fd,
// e.g. to open a netlink socket that then stays bound to that namespace.
// The calling thread's namespace never changes.
Status in_netns(int netns_fd, const std::function<Status()>& fn);
// The same for many namespaces on one thread: fn(i) runs after it joined
// netns_fds[i], in order, up to the first error. A thread per namespace cost
// 0.1 ms each when a 1000-node run opened its sockets.
Status in_each_netns(const std::vector<int>& netns_fds, const std::function<Status(size_t)>& fn);

// Opens /proc/PID/ns/<kind> read-only.
Result<UniqueFd> open_ns(pid_t pid, const char* kind);

}  // namespace faultline::runtime
