// SPDX-License-Identifier: Apache-2.0
// What a privileged test compares before and after: the host's interfaces, the
// network namespaces alive on the box, and the project's cgroup folders.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
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

// Host links present now that were not in `before`, after waiting up to
// timeout_ms for them to go: tests running beside this one create host links
// of their own for a moment, so one reading (before or after) may hold one of
// theirs. A run of the project never creates a host link, so anything that
// stays is a leak.
inline std::set<std::string> host_links_added(const std::set<std::string>& before, int timeout_ms = 10'000) {
  std::set<std::string> added;
  for (int waited = 0;; waited += 20) {
    added.clear();
    for (const auto& n : host_links())
      if (!before.count(n)) added.insert(n);
    if (added.empty() || waited >= timeout_ms) return added;
    ::usleep(20'000);
  }
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

// A network namespace as the kernel knows it. Inode numbers of freed
// namespaces are reused at once (the lowest free number), so a test running
// beside another may see "its" inode held by the other's new namespace; the
// cookie (SO_NETNS_COOKIE) is never reused.
struct NetnsRef {
  uint64_t ino = 0;
  uint64_t cookie = 0;
};

inline uint64_t netns_cookie(int netns_fd) {
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
  uint64_t cookie = 0;
  std::thread t([&] {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) return;
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return;
    socklen_t len = sizeof cookie;
    ::getsockopt(s, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
    ::close(s);
  });
  t.join();
  return cookie;
}

inline NetnsRef netns_ref(int netns_fd) {
  struct stat st;
  if (::fstat(netns_fd, &st) != 0) return {};
  return {static_cast<uint64_t>(st.st_ino), netns_cookie(netns_fd)};
}

// Whether some process is still in exactly that namespace.
inline bool netns_held(const NetnsRef& r) {
  if (r.ino == 0) return false;
  DIR* d = ::opendir("/proc");
  if (!d) return false;
  bool held = false;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const std::string p = std::string("/proc/") + e->d_name + "/ns/net";
    struct stat st;
    if (::stat(p.c_str(), &st) != 0 || st.st_ino != r.ino) continue;
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    held = netns_cookie(fd) == r.cookie;
    ::close(fd);
    if (held) break;
  }
  ::closedir(d);
  return held;
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
