// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/cgroup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>
#include <utility>

#include "base/file.hpp"
#include "base/text.hpp"

namespace faultline::runtime {

namespace {

// The controllers the project uses, in a fixed order for stable output.
constexpr const char* kControllers[] = {"cpu", "cpuacct", "memory", "pids", "freezer"};
// Of those, the ones that are real controllers on v2 (enabled through
// cgroup.subtree_control). cpuacct's usage (cpu.stat) and the freezer
// (cgroup.freeze) are core files of every non-root v2 cgroup.
constexpr const char* kV2Controllers[] = {"cpu", "memory", "pids"};

constexpr int kKillTimeoutMs = 5000;
constexpr int kFreezeTimeoutMs = 5000;
constexpr int kRmdirTimeoutMs = 1000;

int64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms) {
  timespec ts{ms / 1000, static_cast<long>(ms % 1000) * 1000000L};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// One write() per value: cgroup files parse exactly one value per write.
Status write_file(const std::string& path, const std::string& value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return sys_error("open " + path + " for writing");
  ssize_t n;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return sys_error("write '" + value + "' to " + path);
  return {};
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// "key value" lines (cpu.stat, memory.events, memory.oom_control).
std::optional<uint64_t> keyed_value(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 && line[key.size()] == ' ') {
      return std::strtoull(line.c_str() + key.size() + 1, nullptr, 10);
    }
  }
  return std::nullopt;
}

Result<uint64_t> read_u64(const std::string& path) {
  auto t = read_file(path);
  if (!t) return t.error();
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(t->c_str(), &end, 10);
  if (end == t->c_str() || errno != 0) return Error{EIO, "parse " + path + ": '" + *t + "'"};
  return static_cast<uint64_t>(v);
}

Result<uint64_t> read_keyed(const std::string& path, const std::string& key) {
  auto t = read_file(path);
  if (!t) return t.error();
  auto v = keyed_value(*t, key);
  if (!v) return Error{EIO, "parse " + path + ": no '" + key + "'"};
  return *v;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto oct = [&s](size_t j) { return s[j] >= '0' && s[j] <= '7'; };
    if (s[i] == '\\' && i + 3 < s.size() && oct(i + 1) && oct(i + 2) && oct(i + 3)) {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// A relative path of plain components: never empty (that would be the
// hierarchy root, which destroy() must never touch), no "." or "..".
Status check_rel(const std::string& rel) {
  if (rel.empty() || rel.front() == '/' || rel.back() == '/') {
    return Error{EINVAL, "cgroup path '" + rel + "' must be relative and non-empty"};
  }
  for (const auto& c : split(rel, '/')) {
    if (c.empty() || c == "." || c == "..") return Error{EINVAL, "cgroup path '" + rel + "' has a bad component"};
  }
  return {};
}

Result<std::vector<pid_t>> read_procs(const std::string& dir) {
  auto t = read_file(dir + "/cgroup.procs");
  if (!t) return t.error();
  std::vector<pid_t> out;
  std::istringstream in(*t);
  long v;
  while (in >> v) out.push_back(static_cast<pid_t>(v));
  return out;
}

// Child cgroups of dir, if any (ENOENT: none).
bool has_child_cgroups(const std::string& dir) {
  // cgroupfs (kernfs) keeps a directory's link count at 2 + its
  // subdirectories: one stat instead of reading 20-40 control files' names
  // (that readdir was most of the cost of removing a 1000-node run's cgroups).
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return false;
  return st.st_nlink > 2;
}

int sys_pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U)); }
int sys_pidfd_send_signal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0U));
}

}  // namespace

// ---------------------------------------------------------------- layout

Result<CgroupLayout> CgroupLayout::probe() {
  auto text = read_file("/proc/self/mountinfo");
  if (!text) return wrap(text.error(), "probe cgroup layout");
  CgroupLayout l;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    // id parent maj:min root mountpoint options [optional...] - fstype source superoptions
    std::istringstream ls(line);
    std::vector<std::string> f;
    std::string w;
    while (ls >> w) f.push_back(w);
    auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 6 || dash == f.end() || dash + 3 > f.end()) continue;
    const std::string& fstype = *(dash + 1);
    const std::string mount = unescape_mount(f[4]);
    if (fstype == "cgroup") {
      // Super options name the controllers: "rw,cpu,cpuacct" on distros that
      // co-mount them, "rw,cpu" and "rw,cpuacct" here.
      for (const auto& opt : split(*(dash + 3), ',')) {
        for (const char* c : kControllers) {
          // The first mount of a hierarchy wins; later ones are bind mounts of it.
          if (opt == c && !l.controllers.count(c)) l.controllers[c] = Hierarchy{mount, false};
        }
      }
    } else if (fstype == "cgroup2" && !l.unified) {
      l.unified = mount;
    }
  }
  if (l.unified) {
    // v2 takes a controller only when v1 does not have it and the v2 root
    // actually offers it (a controller bound to v1 never shows up there).
    auto avail = read_file(*l.unified + "/cgroup.controllers");
    std::set<std::string> offered;
    if (avail) {
      std::istringstream cs(*avail);
      std::string c;
      while (cs >> c) offered.insert(c);
    }
    for (const char* c : kV2Controllers) {
      if (!l.controllers.count(c) && offered.count(c)) l.controllers[c] = Hierarchy{*l.unified, true};
    }
    // Core v2 files, present in every non-root cgroup whatever is enabled.
    if (!l.controllers.count("cpuacct")) l.controllers["cpuacct"] = Hierarchy{*l.unified, true};
    if (!l.controllers.count("freezer")) l.controllers["freezer"] = Hierarchy{*l.unified, true};
  }
  if (l.controllers.empty() && !l.unified) return Error{ENOENT, "probe cgroup layout: no cgroup mounts"};
  return l;
}

std::string CgroupLayout::describe() const {
  std::string v1, v2;
  for (const char* c : kControllers) {
    auto it = controllers.find(c);
    if (it == controllers.end()) continue;
    std::string& dst = it->second.v2 ? v2 : v1;
    if (!dst.empty()) dst += ",";
    dst += c;
  }
  std::string kind = v1.empty() ? "v2" : (unified ? "hybrid" : "v1");
  std::string out = kind + ":";
  std::string sep = " ";
  if (!v1.empty()) {
    out += sep + v1 + " on v1";
    sep = "; ";
  }
  if (!v2.empty()) {
    out += sep + v2 + " on v2";
    sep = "; ";
  }
  if (unified) out += sep + "v2 at " + *unified;
  return out;
}

std::vector<CgroupLayout::Hierarchy> CgroupLayout::hierarchies() const {
  std::vector<Hierarchy> out;
  auto add = [&out](const Hierarchy& h) {
    for (const auto& x : out) {
      if (x.mount == h.mount) return;
    }
    out.push_back(h);
  };
  for (const char* c : kControllers) {
    auto it = controllers.find(c);
    if (it != controllers.end() && !it->second.v2) add(it->second);
  }
  // The v2 tree is always spanned when mounted: it is where cgroup.kill and
  // process tracking work even when no controller is bound to it.
  if (unified) add(Hierarchy{*unified, true});
  return out;
}

// ---------------------------------------------------------------- cgroup

namespace {

// Makes the v2 controllers the layout assigns to v2 available to children of dir.
Status enable_v2_controllers(const CgroupLayout& layout, const std::string& dir) {
  std::vector<std::string> want;
  for (const char* c : kV2Controllers) {
    auto it = layout.controllers.find(c);
    if (it != layout.controllers.end() && it->second.v2) want.push_back(c);
  }
  if (want.empty()) return {};
  auto cur = read_file(dir + "/cgroup.subtree_control");
  if (!cur) return cur.error();
  std::set<std::string> on;
  std::istringstream in(*cur);
  std::string c;
  while (in >> c) on.insert(c);
  for (const auto& w : want) {
    if (on.count(w)) continue;
    FL_TRY(write_file(dir + "/cgroup.subtree_control", "+" + w));
  }
  return {};
}

}  // namespace

Result<Cgroup> Cgroup::create(const CgroupLayout& layout, const std::string& rel_path) {
  const std::string what = "create cgroup " + rel_path;
  if (auto st = check_rel(rel_path); !st) return wrap(st.error(), what);
  const auto parts = split(rel_path, '/');
  std::vector<std::string> made;  // leaves created so far, removed on failure
  auto fail = [&made](Error e) {
    for (const auto& d : made) ::rmdir(d.c_str());
    return e;
  };
  for (const auto& h : layout.hierarchies()) {
    std::string dir = h.mount;
    for (size_t i = 0; i < parts.size(); ++i) {
      // In v2 a child only gets a controller its parent enabled for its
      // subtree, so enable on the way down, before each mkdir.
      if (h.v2) {
        if (auto st = enable_v2_controllers(layout, dir); !st) return fail(wrap(st.error(), what));
      }
      dir += "/" + parts[i];
      const bool leaf = i + 1 == parts.size();
      if (::mkdir(dir.c_str(), 0755) != 0) {
        if (errno != EEXIST || leaf) return fail(sys_error("mkdir " + dir));
      } else if (leaf) {
        made.push_back(dir);
      }
    }
  }
  Cgroup cg;
  cg.layout_ = layout;
  cg.rel_ = rel_path;
  return cg;
}

Cgroup Cgroup::adopt(const CgroupLayout& layout, const std::string& rel_path) {
  Cgroup cg;
  // A bad path is adopted as nothing, so destroy() can never reach a root.
  if (!check_rel(rel_path)) return cg;
  cg.layout_ = layout;
  cg.rel_ = rel_path;
  return cg;
}

Cgroup::Cgroup(Cgroup&& o) noexcept : layout_(std::move(o.layout_)), rel_(std::move(o.rel_)) { o.release(); }

Cgroup& Cgroup::operator=(Cgroup&& o) noexcept {
  if (this != &o) {
    (void)destroy();
    layout_ = std::move(o.layout_);
    rel_ = std::move(o.rel_);
    o.release();
  }
  return *this;
}

Cgroup::~Cgroup() { (void)destroy(); }

std::vector<std::string> Cgroup::dirs() const {
  std::vector<std::string> out;
  if (rel_.empty()) return out;
  for (const auto& h : layout_.hierarchies()) out.push_back(h.mount + "/" + rel_);
  return out;
}

namespace {

// The directory of this cgroup in the hierarchy holding controller c, if any.
std::optional<std::pair<std::string, bool>> ctrl_dir(const CgroupLayout& l, const std::string& rel, const char* c) {
  auto it = l.controllers.find(c);
  if (it == l.controllers.end() || rel.empty()) return std::nullopt;
  return std::make_pair(it->second.mount + "/" + rel, it->second.v2);
}

Error no_controller(const char* c, const std::string& what) {
  return Error{EOPNOTSUPP, what + ": no " + std::string(c) + " controller on this host"};
}

}  // namespace

Status Cgroup::set_limits(const CgroupLimits& l) {
  FL_TRY(set_cpu(l.cpu_millicores));
  FL_TRY(set_memory(l.memory_bytes));
  return set_pids(l.pids);
}

Status Cgroup::set_cpu(uint32_t millicores) {
  const std::string what = "set CPU limit of cgroup " + rel_;
  if (rel_.empty()) return Error{EINVAL, what + ": no cgroup"};
  auto d = ctrl_dir(layout_, rel_, "cpu");
  if (!d) return millicores ? Status(no_controller("cpu", what)) : Status();
  const auto& [dir, v2] = *d;
  // CFS bandwidth: quota per 100 ms period; the kernel's minimum quota is 1 ms.
  const uint64_t quota = std::max<uint64_t>(uint64_t{millicores} * 100, 1000);
  if (v2) return write_file(dir + "/cpu.max", (millicores ? std::to_string(quota) : "max") + " 100000");
  FL_TRY(write_file(dir + "/cpu.cfs_period_us", "100000"));
  return write_file(dir + "/cpu.cfs_quota_us", millicores ? std::to_string(quota) : "-1");
}

Status Cgroup::set_memory(uint64_t bytes) {
  const std::string what = "set memory limit of cgroup " + rel_;
  if (rel_.empty()) return Error{EINVAL, what + ": no cgroup"};
  auto d = ctrl_dir(layout_, rel_, "memory");
  if (!d) return bytes ? Status(no_controller("memory", what)) : Status();
  const auto& [dir, v2] = *d;
  if (v2) {
    FL_TRY(write_file(dir + "/memory.max", bytes ? std::to_string(bytes) : "max"));
    // A limit that swapping can dodge is no limit: swap goes to 0 with it.
    if (exists(dir + "/memory.swap.max")) FL_TRY(write_file(dir + "/memory.swap.max", bytes ? "0" : "max"));
    return {};
  }
  const std::string limit = bytes ? std::to_string(bytes) : "-1";
  const std::string memsw = dir + "/memory.memsw.limit_in_bytes";
  if (!exists(memsw)) return write_file(dir + "/memory.limit_in_bytes", limit);
  // v1 keeps memsw.limit >= limit at every moment: lower the limit before
  // memsw, raise memsw before the limit. memsw == limit means no swap.
  auto cur = read_u64(dir + "/memory.limit_in_bytes");
  if (!cur) return wrap(cur.error(), what);
  const uint64_t target = bytes ? bytes : UINT64_MAX;
  if (target < *cur) {
    FL_TRY(write_file(dir + "/memory.limit_in_bytes", limit));
    return write_file(memsw, limit);
  }
  FL_TRY(write_file(memsw, limit));
  return write_file(dir + "/memory.limit_in_bytes", limit);
}

Status Cgroup::set_pids(uint32_t pids) {
  const std::string what = "set pids limit of cgroup " + rel_;
  if (rel_.empty()) return Error{EINVAL, what + ": no cgroup"};
  auto d = ctrl_dir(layout_, rel_, "pids");
  if (!d) return pids ? Status(no_controller("pids", what)) : Status();
  return write_file(d->first + "/pids.max", pids ? std::to_string(pids) : "max");
}

Result<CgroupLimits> Cgroup::limits() const {
  const std::string what = "read limits of cgroup " + rel_;
  if (rel_.empty()) return Error{EINVAL, what + ": no cgroup"};
  CgroupLimits l;
  // "max" (v2) and -1 (v1) both mean unlimited; v1 shows an unlimited memory
  // limit as the largest page-aligned counter value, which no real limit nears.
  auto number = [](const std::string& text) -> std::optional<uint64_t> {
    if (text.rfind("max", 0) == 0 || text.rfind("-1", 0) == 0) return uint64_t{0};
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (end == text.c_str() || errno != 0) return std::nullopt;
    return v >= (uint64_t{1} << 62) ? 0 : static_cast<uint64_t>(v);
  };
  auto read_number = [&](const std::string& path) -> Result<uint64_t> {
    auto t = read_file(path);
    if (!t) return wrap(t.error(), what);
    auto v = number(*t);
    if (!v) return Error{EIO, what + ": parse " + path + ": '" + *t + "'"};
    return *v;
  };
  if (auto d = ctrl_dir(layout_, rel_, "cpu")) {
    uint64_t quota = 0, period = 100000;
    if (d->second) {
      auto t = read_file(d->first + "/cpu.max");  // "QUOTA PERIOD" or "max PERIOD"
      if (!t) return wrap(t.error(), what);
      std::istringstream in(*t);
      std::string q;
      in >> q >> period;
      quota = number(q).value_or(0);
    } else {
      auto q = read_number(d->first + "/cpu.cfs_quota_us");
      if (!q) return q.error();
      auto p = read_number(d->first + "/cpu.cfs_period_us");
      if (!p) return p.error();
      quota = *q;
      period = *p;
    }
    if (quota && period) l.cpu_millicores = static_cast<uint32_t>(quota * 1000 / period);
  }
  if (auto d = ctrl_dir(layout_, rel_, "memory")) {
    auto m = read_number(d->first + (d->second ? "/memory.max" : "/memory.limit_in_bytes"));
    if (!m) return m.error();
    l.memory_bytes = *m;
  }
  if (auto d = ctrl_dir(layout_, rel_, "pids")) {
    auto p = read_number(d->first + "/pids.max");
    if (!p) return p.error();
    l.pids = static_cast<uint32_t>(*p);
  }
  return l;
}

Result<std::vector<UniqueFd>> Cgroup::open_procs_for_join() const {
  std::vector<UniqueFd> fds;
  for (const auto& d : dirs()) {
    const std::string p = d + "/cgroup.procs";
    UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) return sys_error("open " + p + " for joining");
    fds.push_back(std::move(fd));
  }
  return fds;
}

Status Cgroup::add_process(pid_t pid) {
  for (const auto& d : dirs()) FL_TRY(write_file(d + "/cgroup.procs", std::to_string(pid)));
  return {};
}

Result<std::vector<pid_t>> Cgroup::pids() const {
  std::set<pid_t> all;
  for (const auto& d : dirs()) {
    auto p = read_procs(d);
    if (!p) return p.error();
    all.insert(p->begin(), p->end());
  }
  return std::vector<pid_t>(all.begin(), all.end());
}

Result<CgroupUsage> Cgroup::usage() const {
  CgroupUsage u;
  if (auto d = ctrl_dir(layout_, rel_, "cpuacct")) {
    if (d->second) {
      auto v = read_keyed(d->first + "/cpu.stat", "usage_usec");
      if (!v) return v.error();
      u.cpu_usage_ns = *v * 1000;
    } else {
      auto v = read_u64(d->first + "/cpuacct.usage");
      if (!v) return v.error();
      u.cpu_usage_ns = *v;
    }
  }
  if (auto d = ctrl_dir(layout_, rel_, "cpu")) {
    auto t = read_file(d->first + "/cpu.stat");
    if (!t) return t.error();
    u.nr_throttled = keyed_value(*t, "nr_throttled").value_or(0);
    if (d->second) {
      u.throttled_ns = keyed_value(*t, "throttled_usec").value_or(0) * 1000;
    } else {
      u.throttled_ns = keyed_value(*t, "throttled_time").value_or(0);
    }
  }
  if (auto d = ctrl_dir(layout_, rel_, "memory")) {
    auto v = read_u64(d->first + (d->second ? "/memory.current" : "/memory.usage_in_bytes"));
    if (!v) return v.error();
    u.memory_bytes = *v;
    auto t = read_file(d->first + (d->second ? "/memory.events" : "/memory.oom_control"));
    if (!t) return t.error();
    u.oom_kills = keyed_value(*t, "oom_kill").value_or(0);
  }
  return u;
}

Status Cgroup::freeze(bool frozen) {
  const std::string what = std::string(frozen ? "freeze" : "thaw") + " cgroup " + rel_;
  auto d = ctrl_dir(layout_, rel_, "freezer");
  if (!d) return no_controller("freezer", what);
  const auto& [dir, v2] = *d;
  if (v2) {
    FL_TRY(write_file(dir + "/cgroup.freeze", frozen ? "1" : "0"));
  } else {
    FL_TRY(write_file(dir + "/freezer.state", frozen ? "FROZEN" : "THAWED"));
  }
  // Freezing is asynchronous: the write returns while tasks are still
  // running (v1 reads FREEZING). Callers rely on "frozen" meaning stopped.
  const int64_t deadline = now_ms() + kFreezeTimeoutMs;
  for (int wait = 1;; wait = std::min(wait * 2, 20)) {
    bool done;
    if (v2) {
      auto t = read_file(dir + "/cgroup.events");
      if (!t) return wrap(t.error(), what);
      done = keyed_value(*t, "frozen").value_or(2) == (frozen ? 1U : 0U);
    } else {
      auto t = read_file(dir + "/freezer.state");
      if (!t) return wrap(t.error(), what);
      done = t->rfind(frozen ? "FROZEN" : "THAWED", 0) == 0;
    }
    if (done) return {};
    if (now_ms() > deadline) return Error{ETIMEDOUT, what + ": state did not settle"};
    sleep_ms(wait);
  }
}

Status Cgroup::kill_all() {
  const std::string what = "kill processes of cgroup " + rel_;
  const auto all_dirs = dirs();
  if (all_dirs.empty()) return {};
  const auto hs = layout_.hierarchies();

  // cgroup.kill (5.14+) kills atomically, forks included, frozen or not. It
  // also kills descendants, so it is used only on a leaf, keeping the
  // semantics "processes directly inside" the same as the v1 loop below.
  for (size_t i = 0; i < hs.size(); ++i) {
    if (!hs[i].v2) continue;
    const std::string kill_file = all_dirs[i] + "/cgroup.kill";
    if (exists(kill_file) && !has_child_cgroups(all_dirs[i])) {
      auto p = read_procs(all_dirs[i]);
      if (p && !p->empty()) FL_TRY(write_file(kill_file, "1"));
    }
  }

  const int64_t deadline = now_ms() + kKillTimeoutMs;
  for (int wait = 1;; wait = std::min(wait * 2, 20)) {
    // Every hierarchy: a process may sit in the v1 trees only.
    std::set<pid_t> listed;
    for (const auto& d : all_dirs) {
      auto p = read_procs(d);
      if (!p) {
        if (p.error().err == ENOENT) continue;  // already removed (destroy is idempotent)
        return wrap(p.error(), what);
      }
      listed.insert(p->begin(), p->end());
    }
    if (listed.empty()) return {};
    // A listed pid may exit and be reused before we signal it. Pin each with
    // a pidfd first, then signal only those still listed afterwards: a pidfd
    // opened before a pid is seen in the cgroup refers to that very process.
    std::vector<std::pair<pid_t, UniqueFd>> pinned;
    for (pid_t pid : listed) {
      UniqueFd fd(sys_pidfd_open(pid));
      if (fd.valid()) pinned.emplace_back(pid, std::move(fd));
    }
    std::set<pid_t> still;
    for (const auto& d : all_dirs) {
      if (auto p = read_procs(d)) still.insert(p->begin(), p->end());
    }
    for (const auto& [pid, fd] : pinned) {
      if (still.count(pid)) (void)sys_pidfd_send_signal(fd.get(), SIGKILL);
    }
    // A frozen task holds its SIGKILL until thawed (v1 freezer; v2 without
    // cgroup.kill). Thawing after the signal is queued lets it die without
    // running any more user code.
    if (auto f = ctrl_dir(layout_, rel_, "freezer")) {
      if (f->second) {
        (void)write_file(f->first + "/cgroup.freeze", "0");
      } else if (auto s = read_file(f->first + "/freezer.state"); s && s->rfind("THAWED", 0) != 0) {
        (void)write_file(f->first + "/freezer.state", "THAWED");
      }
    }
    if (now_ms() > deadline) {
      return Error{ETIMEDOUT, what + ": " + std::to_string(listed.size()) + " process(es) still inside"};
    }
    sleep_ms(wait);
  }
}

Status Cgroup::destroy() {
  if (rel_.empty()) return {};
  const std::string what = "destroy cgroup " + rel_;
  // An empty leaf, the usual case at teardown (its processes were ended by
  // pid), goes at once: rmdir refuses (EBUSY) a cgroup with processes or
  // children, so it can be tried first.
  std::vector<std::string> busy;
  for (const auto& d : dirs()) {
    if (::rmdir(d.c_str()) == 0 || errno == ENOENT) continue;
    if (errno != EBUSY) return sys_error("rmdir " + d);
    busy.push_back(d);
  }
  if (busy.empty()) {
    release();
    return {};
  }
  // Refuse before killing anything: a parent's processes are its children's
  // business, and rmdir would fail on it anyway.
  for (const auto& d : busy) {
    if (has_child_cgroups(d)) return Error{EBUSY, what + ": " + d + " has child cgroups"};
  }
  FL_TRY(kill_all());
  for (const auto& d : busy) {
    const int64_t deadline = now_ms() + kRmdirTimeoutMs;
    for (int wait = 1;; wait = std::min(wait * 2, 20)) {
      if (::rmdir(d.c_str()) == 0 || errno == ENOENT) break;
      // EBUSY right after the kill: exiting tasks leave the cgroup a moment later.
      if (errno != EBUSY || now_ms() > deadline) return sys_error("rmdir " + d);
      sleep_ms(wait);
    }
  }
  release();
  return {};
}

int cgroup_join_self(const int* fds, int n) {
  for (int i = 0; i < n; ++i) {
    // "0" means the writing process; no formatting needed, so this stays
    // async-signal-safe between fork and exec.
    if (::write(fds[i], "0", 1) != 1) return -errno;
  }
  return 0;
}

}  // namespace faultline::runtime
