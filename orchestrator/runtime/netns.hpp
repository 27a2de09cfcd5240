// A node is a process-held set of namespaces. The holder is a tiny process
// forked from the orchestrator into new net, uts and mount namespaces; the
// namespaces live exactly as long as it does, so killing the holder (by its
// recorded id) removes the namespace and every interface inside it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

#include "orchestrator/runtime/proc.hpp"
#include "orchestrator/util/fd.hpp"
#include "orchestrator/util/result.hpp"

namespace faultline::runtime {

struct HolderSpec {
  std::string hostname;        // uts namespace hostname; empty: no new uts ns
  bool new_mount_ns = true;    // own mount ns: private /tmp and /run, own /etc/hosts
  std::string hosts_file;      // bind-mounted read-only over /etc/hosts when set
  bool die_with_parent = true; // PR_SET_PDEATHSIG(SIGKILL): dies with the creating thread
};

class NodeHolder {
 public:
  // Forks the holder, which unshares, configures its mount ns and then pauses
  // forever. Returns once the namespaces are ready; error carries errno and step.
  static Result<NodeHolder> spawn(const HolderSpec& spec);

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
  // Give up ownership without killing (the run stays up without this object).
  ProcId release();

 private:
  ProcId id_;
  uint64_t netns_inode_ = 0;
  UniqueFd pidfd_;
  UniqueFd netns_;
};

// Runs fn on a temporary thread that has joined the network namespace netns_fd,
// e.g. to open a netlink socket that then stays bound to that namespace.
// The calling thread's namespace never changes.
Status in_netns(int netns_fd, const std::function<Status()>& fn);

// Opens /proc/PID/ns/<kind> read-only.
Result<UniqueFd> open_ns(pid_t pid, const char* kind);

}  // namespace faultline::runtime
