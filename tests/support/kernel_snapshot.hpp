// What a privileged test compares before and after: the host's interfaces, the
// network namespaces alive on the box, and the project's cgroup folders.
#pragma once

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/netlink.hpp"

namespace faultline::testing {

inline std::set<std::string> host_links() {
  std::set<std::string> out;
  auto sock = runtime::NlSocket::open();
  if (!sock.ok()) return out;
  auto names = sock->link_names();
  if (names.ok()) out.insert(names->begin(), names->end());
  return out;
}

// Inodes of every network namespace some process is in.
inline std::set<uint64_t> live_netns() {
  std::set<uint64_t> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    struct stat st;
    const std::string p = std::string("/proc/") + e->d_name + "/ns/net";
    if (::stat(p.c_str(), &st) == 0) out.insert(st.st_ino);
  }
  ::closedir(d);
  return out;
}

// Folders of one cgroup path in every hierarchy that exist now.
inline std::vector<std::string> existing_cgroup_dirs(const std::string& rel) {
  std::vector<std::string> out;
  auto layout = runtime::CgroupLayout::probe();
  if (!layout.ok()) return out;
  for (const auto& h : layout->hierarchies()) {
    const std::string p = h.mount + "/" + rel;
    if (::access(p.c_str(), F_OK) == 0) out.push_back(p);
  }
  return out;
}

struct CommandResult {
  int status = -1;
  std::string out;
};

// Runs a shell command, capturing stdout and stderr together.
inline CommandResult run_cmd(const std::string& cmd) {
  CommandResult r;
  FILE* f = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  const int st = ::pclose(f);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

}  // namespace faultline::testing
