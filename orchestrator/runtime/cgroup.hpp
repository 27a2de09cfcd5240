// SPDX-License-Identifier: Apache-2.0
// Node cgroups on cgroup v1, v2 and the hybrid layouts (here: cpu and memory
// on v1 with a v2 mount beside). The layout is probed from /proc/self/mountinfo,
// never inferred from a kernel version.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace faultline::runtime {

// Controllers the project uses: cpu, cpuacct (v1 usage), memory, pids, freezer.
struct CgroupLayout {
  // controller -> mount point of the hierarchy that has it, and whether it is v2.
  struct Hierarchy {
    std::string mount;
    bool v2 = false;
  };
  std::map<std::string, Hierarchy> controllers;
  std::optional<std::string> unified;  // the cgroup2 mount, if any

  static Result<CgroupLayout> probe();
  // "hybrid: cpu,cpuacct,memory,pids,freezer on v1; v2 at /sys/fs/cgroup/unified"
  std::string describe() const;
  // The distinct hierarchy mounts a node cgroup spans (v1 ones and the v2 one).
  std::vector<Hierarchy> hierarchies() const;
};

struct CgroupLimits {
  uint32_t cpu_millicores = 0;  // 0: unlimited
  uint64_t memory_bytes = 0;    // 0: unlimited; swap is limited to 0 as well where possible
  uint32_t pids = 0;            // 0: unlimited
};

struct CgroupUsage {
  uint64_t cpu_usage_ns = 0;
  uint64_t nr_throttled = 0;
  uint64_t throttled_ns = 0;
  uint64_t memory_bytes = 0;
  uint64_t oom_kills = 0;
};

// One logical cgroup: the same relative path (e.g. "faultline/RUN/db") in every
// hierarchy of the layout. Move-only; the destructor kills what is inside and
// removes the directories (deepest first) and never throws.
class Cgroup {
 public:
  // Creates the directories (and parents, enabling controllers in v2
  // subtree_control on the way). Fails with EEXIST if the leaf exists.
  static Result<Cgroup> create(const CgroupLayout& layout, const std::string& rel_path);
  // An existing cgroup (for cleanup and for exec from another process).
  static Cgroup adopt(const CgroupLayout& layout, const std::string& rel_path);

  Cgroup() = default;
  Cgroup(Cgroup&&) noexcept;
  Cgroup& operator=(Cgroup&&) noexcept;
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;
  ~Cgroup();

  const std::string& rel_path() const { return rel_; }
  std::vector<std::string> dirs() const;  // absolute directories, one per hierarchy

  Status set_limits(const CgroupLimits& l);
  // One resource at a time, live (node faults change one and leave the others).
  // set_memory below what the cgroup holds: v2 reclaims, then OOM-kills; v1
  // reclaims and, when that is not enough, refuses with EBUSY.
  Status set_cpu(uint32_t millicores);
  Status set_memory(uint64_t bytes);
  Status set_pids(uint32_t pids);
  // The limits in force now, read back from the kernel (0: unlimited). CPU is
  // the quota per period in millicores; memory as the kernel rounded it (pages).
  Result<CgroupLimits> limits() const;
  // Opens cgroup.procs in every hierarchy for writing; a child writes "0" to
  // each between fork and exec to join before it runs anything.
  Result<std::vector<UniqueFd>> open_procs_for_join() const;
  Status add_process(pid_t pid);
  Result<std::vector<pid_t>> pids() const;
  Result<CgroupUsage> usage() const;
  Status freeze(bool frozen);
  // SIGKILL every process inside until empty (v2: cgroup.kill where present).
  Status kill_all();
  // kill_all, then rmdir in every hierarchy. Idempotent; ENOENT is success.
  Status destroy();
  // Forget the directories without removing them.
  void release() { layout_.controllers.clear(); layout_.unified.reset(); rel_.clear(); }

 private:
  CgroupLayout layout_;
  std::string rel_;
};

// Writes "0" to each fd: the calling process joins. Async-signal-safe, for use
// between fork and exec.
int cgroup_join_self(const int* fds, int n);

}  // namespace faultline::runtime
