// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/cleanup.hpp"

#include <unistd.h>

#include <algorithm>

#include "orchestrator/runtime/cgroup.hpp"

namespace faultline::runtime {

CleanupReport cleanup_run(const RunState& st) {
  CleanupReport rep;
  rep.run = st.run;
  auto layout = CgroupLayout::probe();
  // A node paused by a fault whose owner died is still frozen, and a frozen
  // task holds a SIGKILL until thawed: thaw every cgroup of the run first.
  if (layout.ok())
    for (const auto& rel : st.cgroups) {
      Cgroup cg = Cgroup::adopt(layout.value(), rel);
      (void)cg.freeze(false);
      cg.release();  // removed below, children first
    }
  // Node processes first (recorded ones, verified), then holders: with the
  // last process gone from a namespace, the kernel removes its interfaces.
  for (const auto& p : st.processes) {
    if (!is_alive(p.id)) continue;
    const Status s = kill_verified(p.id);
    if (s.ok()) ++rep.processes_killed;
    else rep.errors.push_back(s.error().message());
  }
  for (const auto& h : st.holders) {
    if (!is_alive(h.id)) continue;
    const Status s = kill_verified(h.id);
    if (s.ok()) ++rep.holders_killed;
    else rep.errors.push_back(s.error().message());
  }
  // destroy() kills what is left inside first: anything started inside a node
  // later (exec, a service's children) is in the node's cgroup.
  if (layout.ok()) {
    for (auto it = st.cgroups.rbegin(); it != st.cgroups.rend(); ++it) {
      Cgroup cg = Cgroup::adopt(layout.value(), *it);
      const Status s = cg.destroy();
      if (s.ok()) ++rep.cgroups_removed;
      else rep.errors.push_back(s.error().message());
    }
    remove_cgroup_root_if_unused();
  } else {
    rep.errors.push_back(layout.error().message());
  }
  if (rep.errors.empty()) {
    const Status s = remove_run_dir(st.run);
    if (!s.ok()) rep.errors.push_back(s.error().message());
  }
  return rep;
}

std::vector<CleanupReport> cleanup_dead_runs() {
  std::vector<CleanupReport> out;
  for (const auto& st : list_runs()) {
    if (st.owner_alive()) continue;
    out.push_back(cleanup_run(st));
  }
  return out;
}

void remove_cgroup_root_if_unused() {
  auto layout = CgroupLayout::probe();
  if (!layout.ok()) return;
  for (const auto& h : layout->hierarchies()) {
    // rmdir only succeeds on an empty cgroup: another run's folder keeps it.
    (void)::rmdir((h.mount + "/faultline").c_str());
  }
}

}  // namespace faultline::runtime
