// SPDX-License-Identifier: Apache-2.0
// The whole kernel picture a run may change, for tests that kill the
// orchestrator at random moments and check that `faultline cleanup` puts the
// box back: network namespaces (by inode), host links, qdiscs on host
// interfaces, BPF programs (by id, without bpftool), the cgroups under
// faultline/ in every hierarchy, the processes descended from the test, the
// host's mounts and the state folder. Each object is a string key; a
// difference lists what appeared and what went, each described.
//
// Descendants: the test makes itself a child subreaper (PR_SET_CHILD_SUBREAPER),
// so whatever a killed orchestrator leaves running is re-parented to the test
// and not to init: "a process whose parent chain was the test" stays visible.
//
// Objects provably someone else's are left out, so that the comparison holds
// on a machine where other tests run too (CI runs these alone; a developer's
// box may not): a namespace or BPF program that only processes outside the
// test's tree hold, a cgroup faultline/RUN of a run name the test did not
// use. Whatever cannot be attributed (a namespace or program no process
// holds) counts as the test's.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

#include <chrono>
#include <functional>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/netlink.hpp"

namespace faultline::testing {

struct ProcStat {
  pid_t pid = 0, ppid = 0;
  char state = '?';
  std::string comm;
};

// Every process: pid, parent, state, name (from /proc/PID/stat).
inline std::map<pid_t, ProcStat> all_procs() {
  std::map<pid_t, ProcStat> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream f(std::string("/proc/") + e->d_name + "/stat");
    std::string s;
    if (!std::getline(f, s)) continue;
    const auto open = s.find('('), close = s.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 4 > s.size()) continue;
    ProcStat p;
    p.pid = std::atoi(e->d_name);
    p.comm = s.substr(open + 1, close - open - 1);
    p.state = s[close + 2];
    p.ppid = std::atoi(s.c_str() + close + 4);
    out[p.pid] = p;
  }
  ::closedir(d);
  return out;
}

// Live (not zombie) processes whose parent chain reaches `root`, root excluded.
inline std::map<pid_t, ProcStat> descendants(pid_t root) {
  const auto procs = all_procs();
  std::map<pid_t, ProcStat> out;
  for (const auto& [pid, p] : procs) {
    if (pid == root || p.state == 'Z') continue;
    for (pid_t up = p.ppid, hops = 0; up > 1 && hops < 64; ++hops) {
      if (up == root) {
        out[pid] = p;
        break;
      }
      auto it = procs.find(up);
      if (it == procs.end()) break;
      up = it->second.ppid;
    }
  }
  return out;
}

// Reaps zombie children of this process except those in `keep` (children the
// test waits for itself): orphans re-parented to the subreaper.
inline void reap_orphans(const std::set<pid_t>& keep = {}) {
  const pid_t self = ::getpid();
  for (const auto& [pid, p] : all_procs())
    if (p.ppid == self && p.state == 'Z' && !keep.count(pid)) ::waitpid(pid, nullptr, WNOHANG);
}

// While alive, orphans of the test's descendants come to the test.
class Subreaper {
 public:
  Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
  ~Subreaper() {
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    reap_orphans();
  }
  Subreaper(const Subreaper&) = delete;
  Subreaper& operator=(const Subreaper&) = delete;
};

class KernelBaseline {
 public:
  // state_dir: the run state root the test uses (FAULTLINE_STATE_DIR).
  // run_prefixes: how the test's run names begin (empty: every run is the
  // test's).
  static KernelBaseline take(const std::string& state_dir, const std::vector<std::string>& run_prefixes = {}) {
    KernelBaseline b;
    const auto mine = descendants(::getpid());
    auto ours = [&](const std::set<pid_t>& holders) {
      if (holders.empty()) return true;
      for (pid_t p : holders)
        if (p == ::getpid() || mine.count(p)) return true;
      return false;
    };
    b.netns(b.kinds_["netns"], ours);
    b.host_links(b.kinds_["link"]);
    b.host_qdiscs(b.kinds_["qdisc"]);
    b.bpf_progs(b.kinds_["bpf-prog"], ours, b.unheld_progs_);
    b.cgroups(b.kinds_["cgroup"], run_prefixes);
    b.processes(b.kinds_["process"]);
    b.mounts(b.kinds_["mount"]);
    b.files(state_dir, b.kinds_["state"]);
    return b;
  }

  // What differs from `before`, one line per object ("+ kind key: what" for
  // what appeared, "- ..." for what went); empty when equal.
  std::string diff(const KernelBaseline& before) const {
    std::string out;
    for (const auto& [kind, now] : kinds_) {
      const auto it = before.kinds_.find(kind);
      static const std::map<std::string, std::string> none;
      const auto& was = it == before.kinds_.end() ? none : it->second;
      for (const auto& [k, what] : now)
        if (!was.count(k)) out += "+ " + kind + " " + k + (what.empty() ? "" : ": " + what) + "\n";
      for (const auto& [k, what] : was)
        if (!now.count(k) && !(kind == "bpf-prog" && before.unheld_progs_.count(k)))
          out += "- " + kind + " " + k + (what.empty() ? "" : ": " + what) + "\n";
    }
    return out;
  }

  // Takes snapshots until one equals `before`, up to timeout_ms: a namespace's
  // teardown (its interfaces, qdiscs, tc programs) finishes in a kernel
  // worker after its last process has gone. Returns the last difference.
  static std::string settle(const KernelBaseline& before, const std::string& state_dir, int timeout_ms,
                            int* waited_ms = nullptr, const std::vector<std::string>& run_prefixes = {}) {
    const auto t0 = std::chrono::steady_clock::now();
    for (;;) {
      reap_orphans();
      const std::string d = take(state_dir, run_prefixes).diff(before);
      const int ms = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
      if (waited_ms) *waited_ms = ms;
      if (d.empty() || ms >= timeout_ms) return d;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  size_t count(const std::string& kind) const {
    auto it = kinds_.find(kind);
    return it == kinds_.end() ? 0 : it->second.size();
  }

 private:
  using Objects = std::map<std::string, std::string>;

  using Ours = std::function<bool(const std::set<pid_t>&)>;

  // Every namespace a process is in, holds an fd to, or that is bind-mounted.
  static void netns(Objects& out, const Ours& ours) {
    DIR* d = ::opendir("/proc");
    if (!d) return;
    std::map<std::string, std::set<pid_t>> holders;
    auto note = [&](const std::string& link, const std::string& via) {
      if (link.rfind("net:[", 0) != 0) return;
      const std::string ino = link.substr(5, link.size() - 6);
      out.emplace(ino, via);
      holders[ino].insert(std::atoi(via.c_str() + via.rfind(' ') + 1));
    };
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      const std::string base = std::string("/proc/") + e->d_name;
      char buf[64];
      ssize_t n = ::readlink((base + "/ns/net").c_str(), buf, sizeof buf - 1);
      if (n > 0) note(std::string(buf, static_cast<size_t>(n)), "pid " + std::string(e->d_name));
      DIR* fds = ::opendir((base + "/fd").c_str());
      if (!fds) continue;
      while (dirent* f = ::readdir(fds)) {
        if (f->d_name[0] == '.') continue;
        n = ::readlink((base + "/fd/" + f->d_name).c_str(), buf, sizeof buf - 1);
        if (n > 0) note(std::string(buf, static_cast<size_t>(n)), "fd of pid " + std::string(e->d_name));
      }
      ::closedir(fds);
    }
    ::closedir(d);
    std::ifstream mi("/proc/self/mountinfo");
    for (std::string line; std::getline(mi, line);) {
      std::istringstream ss(line);
      std::string id, parent, devno, root, point;
      ss >> id >> parent >> devno >> root >> point;
      if (root.rfind("net:[", 0) == 0) {
        out.emplace(root.substr(5, root.size() - 6), "mounted at " + point);
        holders[root.substr(5, root.size() - 6)].insert(::getpid());  // a mount in our namespace: ours to see
      }
    }
    for (const auto& [ino, pids] : holders)
      if (!ours(pids)) out.erase(ino);
  }

  static void host_links(Objects& out) {
    auto sock = runtime::NlSocket::open();
    if (!sock.ok()) return;
    auto names = sock->link_names();
    if (names.ok())
      for (const auto& n : names.value()) out.emplace(n, "");
  }

  static void host_qdiscs(Objects& out) {
    auto sock = runtime::NlSocket::open();
    if (!sock.ok()) return;
    nl_cache* cache = nullptr;
    if (rtnl_qdisc_alloc_cache(sock->raw(), &cache) < 0) return;
    for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
      auto* q = reinterpret_cast<rtnl_qdisc*>(o);
      auto* tc = TC_CAST(q);
      const char* kind = rtnl_tc_get_kind(tc);
      char key[96];
      std::snprintf(key, sizeof key, "if%d/%x/%x", rtnl_tc_get_ifindex(tc), rtnl_tc_get_handle(tc),
                    rtnl_tc_get_parent(tc));
      out.emplace(key, kind ? kind : "?");
    }
    nl_cache_free(cache);
  }

  // Which processes hold an fd of each BPF program (fdinfo's prog_id).
  static std::map<__u32, std::set<pid_t>> bpf_prog_holders() {
    std::map<__u32, std::set<pid_t>> out;
    DIR* d = ::opendir("/proc");
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      const std::string base = std::string("/proc/") + e->d_name + "/fdinfo";
      DIR* fds = ::opendir(base.c_str());
      if (!fds) continue;
      while (dirent* f = ::readdir(fds)) {
        if (f->d_name[0] == '.') continue;
        std::ifstream in(base + "/" + f->d_name);
        for (std::string line; std::getline(in, line);)
          if (line.rfind("prog_id:", 0) == 0) out[static_cast<__u32>(std::atol(line.c_str() + 8))].insert(std::atoi(e->d_name));
      }
      ::closedir(fds);
    }
    ::closedir(d);
    return out;
  }

  // The ids are listed before their holders are: a program another process
  // loads in between (a feature probe, held for microseconds) is then either
  // not listed or seen with its holder, never counted as a leftover for want
  // of one. A program attached and no longer held by any fd (what a run
  // would leak) is listed either way.
  // A program no fd holds (`unheld`) is attached only, or on its way out:
  // one another test's run has just released stays listed until the kernel
  // frees it. Its going later is no change the test made (diff skips it);
  // its appearing is still a leftover.
  static void bpf_progs(Objects& out, const Ours& ours, std::set<std::string>& unheld) {
    std::vector<__u32> ids;
    for (__u32 id = 0; bpf_prog_get_next_id(id, &id) == 0;) ids.push_back(id);
    const auto holders = bpf_prog_holders();
    for (const __u32 id : ids) {
      if (auto it = holders.find(id); it != holders.end() && !ours(it->second)) continue;
      std::string what;
      const int fd = bpf_prog_get_fd_by_id(id);
      if (fd >= 0) {
        bpf_prog_info info{};
        __u32 len = sizeof info;
        if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) what = std::string(info.name) + " type " + std::to_string(info.type);
        ::close(fd);
      } else if (errno == ENOENT) {
        continue;  // freed between the two calls
      }
      out.emplace(std::to_string(id), what);
      if (!holders.count(id)) unheld.insert(std::to_string(id));
    }
  }

  static void cgroups(Objects& out, const std::vector<std::string>& run_prefixes) {
    auto foreign = [&](const std::string& run) {
      if (run_prefixes.empty()) return false;
      for (const auto& p : run_prefixes)
        if (run.rfind(p, 0) == 0) return false;
      return true;
    };
    auto layout = runtime::CgroupLayout::probe();
    if (!layout.ok()) return;
    std::set<std::string> mounts;
    for (const auto& h : layout->hierarchies()) mounts.insert(h.mount);
    for (const auto& m : mounts) {
      std::error_code ec;
      const std::string root = m + "/faultline";
      if (!std::filesystem::exists(root, ec)) continue;
      bool others = false;
      for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_directory(ec)) continue;
        const std::string run = it->path().lexically_relative(root).begin()->string();
        if (foreign(run)) {
          others = true;
          continue;
        }
        out.emplace(it->path().string(), "");
      }
      // The shared parent comes and goes with the runs in it, others' too.
      if (!others) out.emplace(root, "");
    }
  }

  static void processes(Objects& out) {
    for (const auto& [pid, p] : descendants(::getpid()))
      out.emplace(std::to_string(pid), p.comm + " (parent " + std::to_string(p.ppid) + ")");
  }

  static void mounts(Objects& out) {
    std::ifstream mi("/proc/self/mountinfo");
    for (std::string line; std::getline(mi, line);) {
      std::istringstream ss(line);
      std::string id, parent, devno, root, point;
      ss >> id >> parent >> devno >> root >> point;
      out.emplace(id, point + " (" + root + ")");
    }
  }

  static void files(const std::string& dir, Objects& out) {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      out.emplace(it->path().string(), "");
  }

  std::map<std::string, Objects> kinds_;
  std::set<std::string> unheld_progs_;  // BPF program ids no fd held when taken
};

}  // namespace faultline::testing
