// SPDX-License-Identifier: Apache-2.0
// Node cgroups on whatever layout the host has (here: hybrid, cpu and memory
// on v1): limits land in the right files, usage is read back, processes are
// joined, frozen, killed, and the directories go away.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/runtime/cgroup.hpp"
#include "tests/support/kernel_snapshot.hpp"
#include "tests/support/slurp.hpp"

namespace faultline::runtime {
namespace {

#define REQUIRE_ROOT() \
  if (::geteuid() != 0) GTEST_SKIP() << "needs root"

using Clock = std::chrono::steady_clock;
using faultline::testing::slurp_line;

// Per test and per process, so parallel test processes never share a cgroup.
std::string root_name(const char* test) { return "fltest-" + std::to_string(::getpid()) + "-" + test; }

CgroupLayout must_probe() {
  auto l = CgroupLayout::probe();
  EXPECT_TRUE(l.ok()) << l.error().message();
  return l.ok() ? *l : CgroupLayout{};
}

// A parent (the run) and a node cgroup inside it, removed child first.
struct Tree {
  CgroupLayout layout;
  std::string root;
  Cgroup parent;
  Cgroup node;

  explicit Tree(const char* test) : Tree(test, must_probe()) {}
  Tree(const char* test, CgroupLayout l) : layout(std::move(l)), root(root_name(test)) {
    auto p = Cgroup::create(layout, root);
    EXPECT_TRUE(p.ok()) << p.error().message();
    if (p.ok()) parent = std::move(*p);
    auto n = Cgroup::create(layout, root + "/node");
    EXPECT_TRUE(n.ok()) << n.error().message();
    if (n.ok()) node = std::move(*n);
  }
  ~Tree() {
    (void)node.destroy();
    (void)parent.destroy();
  }
  // The kernel is back to baseline: no directory of the tree in any hierarchy.
  void expect_gone() {
    EXPECT_TRUE(node.destroy().ok());
    auto st = parent.destroy();
    EXPECT_TRUE(st.ok()) << st.error().message();
    EXPECT_TRUE(faultline::testing::existing_cgroup_dirs(root + "/node").empty());
    EXPECT_TRUE(faultline::testing::existing_cgroup_dirs(root).empty());
  }
};

// A child that joins the cgroup before doing anything, reports over a pipe,
// then runs `body` (system calls and plain loops only).
template <class Body>
pid_t fork_joined(const Cgroup& cg, Body body) {
  auto fds = cg.open_procs_for_join();
  EXPECT_TRUE(fds.ok()) << fds.error().message();
  if (!fds.ok()) return -1;
  std::vector<int> raw;
  for (auto& f : *fds) raw.push_back(f.get());
  int p[2];
  if (::pipe(p) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    int r = cgroup_join_self(raw.data(), static_cast<int>(raw.size()));
    (void)!::write(p[1], &r, sizeof r);
    ::close(p[1]);
    if (r != 0) ::_exit(1);
    body();
    ::_exit(0);
  }
  ::close(p[1]);
  int r = -1;
  EXPECT_EQ(::read(p[0], &r, sizeof r), static_cast<ssize_t>(sizeof r));
  ::close(p[0]);
  EXPECT_EQ(r, 0) << "cgroup_join_self: " << std::strerror(-r);
  return pid;
}

void busy_loop() {
  volatile unsigned long x = 0;
  for (;;) x = x + 1;
}

uint64_t cpu_ns(const Cgroup& cg) {
  auto u = cg.usage();
  EXPECT_TRUE(u.ok()) << u.error().message();
  return u.ok() ? u->cpu_usage_ns : 0;
}

TEST(Cgroup, ProbeFindsControllers) {
  REQUIRE_ROOT();
  auto l = CgroupLayout::probe();
  ASSERT_TRUE(l.ok()) << l.error().message();
  std::printf("[info] cgroup layout: %s\n", l->describe().c_str());
  for (const char* c : {"cpu", "cpuacct", "memory", "pids", "freezer"}) {
    auto it = l->controllers.find(c);
    ASSERT_NE(it, l->controllers.end()) << c;
    struct stat st {};
    EXPECT_EQ(::stat(it->second.mount.c_str(), &st), 0) << it->second.mount;
  }
  EXPECT_FALSE(l->hierarchies().empty());
  // Every hierarchy is distinct.
  auto hs = l->hierarchies();
  for (size_t i = 0; i < hs.size(); ++i) {
    for (size_t j = i + 1; j < hs.size(); ++j) EXPECT_NE(hs[i].mount, hs[j].mount);
  }
}

TEST(Cgroup, BadPathsAreRefused) {
  REQUIRE_ROOT();
  CgroupLayout l = must_probe();
  for (const char* bad : {"", "/abs", "a/../b", "a//b", "a/", "..", "."}) {
    auto c = Cgroup::create(l, bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.error().err, EINVAL) << bad;
  }
  // Adopting a bad path yields an empty cgroup that destroy() cannot harm.
  Cgroup a = Cgroup::adopt(l, "");
  EXPECT_TRUE(a.dirs().empty());
  EXPECT_TRUE(a.destroy().ok());
}

TEST(Cgroup, CreateSetsLimitsInTheRightFiles) {
  REQUIRE_ROOT();
  Tree t("limits");
  const auto& L = t.layout;
  EXPECT_EQ(t.node.dirs().size(), L.hierarchies().size());
  for (const auto& d : t.node.dirs()) EXPECT_EQ(::access(d.c_str(), F_OK), 0) << d;

  // Creating it again is EEXIST and leaves the existing one alone.
  auto again = Cgroup::create(L, t.root + "/node");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().err, EEXIST);
  for (const auto& d : t.node.dirs()) EXPECT_EQ(::access(d.c_str(), F_OK), 0) << d;

  auto dir_of = [&](const char* c) { return L.controllers.at(c).mount + "/" + t.root + "/node"; };
  const bool cpu_v2 = L.controllers.at("cpu").v2, mem_v2 = L.controllers.at("memory").v2;

  CgroupLimits lim{500, 32u << 20, 64};
  auto st = t.node.set_limits(lim);
  ASSERT_TRUE(st.ok()) << st.error().message();
  if (cpu_v2) {
    EXPECT_EQ(slurp_line(dir_of("cpu") + "/cpu.max"), "50000 100000");
  } else {
    EXPECT_EQ(slurp_line(dir_of("cpu") + "/cpu.cfs_period_us"), "100000");
    EXPECT_EQ(slurp_line(dir_of("cpu") + "/cpu.cfs_quota_us"), "50000");
  }
  const std::string memsw = dir_of("memory") + "/memory.memsw.limit_in_bytes";
  if (mem_v2) {
    EXPECT_EQ(slurp_line(dir_of("memory") + "/memory.max"), std::to_string(32u << 20));
  } else {
    EXPECT_EQ(slurp_line(dir_of("memory") + "/memory.limit_in_bytes"), std::to_string(32u << 20));
    if (::access(memsw.c_str(), F_OK) == 0) {
      EXPECT_EQ(slurp_line(memsw), std::to_string(32u << 20));
    }
  }
  EXPECT_EQ(slurp_line(dir_of("pids") + "/pids.max"), "64");

  // Raising and lowering both respect v1's memsw >= limit ordering.
  ASSERT_TRUE(t.node.set_limits({250, 64u << 20, 0}).ok());
  if (!mem_v2) {
    EXPECT_EQ(slurp_line(dir_of("memory") + "/memory.limit_in_bytes"), std::to_string(64u << 20));
    if (::access(memsw.c_str(), F_OK) == 0) {
      EXPECT_EQ(slurp_line(memsw), std::to_string(64u << 20));
    }
  }
  st = t.node.set_limits({250, 16u << 20, 0});
  ASSERT_TRUE(st.ok()) << st.error().message();
  if (!mem_v2) {
    EXPECT_EQ(slurp_line(dir_of("memory") + "/memory.limit_in_bytes"), std::to_string(16u << 20));
    if (::access(memsw.c_str(), F_OK) == 0) {
      EXPECT_EQ(slurp_line(memsw), std::to_string(16u << 20));
    }
  }
  EXPECT_EQ(slurp_line(dir_of("pids") + "/pids.max"), "max");

  // Zero lifts every limit.
  ASSERT_TRUE(t.node.set_limits({}).ok());
  if (cpu_v2) {
    EXPECT_EQ(slurp_line(dir_of("cpu") + "/cpu.max"), "max 100000");
  } else {
    EXPECT_EQ(slurp_line(dir_of("cpu") + "/cpu.cfs_quota_us"), "-1");
  }
  if (!mem_v2) {
    EXPECT_GT(std::stoull(slurp_line(dir_of("memory") + "/memory.limit_in_bytes")), 1ull << 60);
  }
  t.expect_gone();
}

TEST(Cgroup, JoinedChildIsListedAndKilled) {
  REQUIRE_ROOT();
  Tree t("join");
  pid_t pid = fork_joined(t.node, [] {
    for (;;) ::pause();
  });
  ASSERT_GT(pid, 0);
  auto pids = t.node.pids();
  ASSERT_TRUE(pids.ok()) << pids.error().message();
  EXPECT_EQ(*pids, std::vector<pid_t>{pid});
  // It is in every hierarchy, v2 included.
  for (const auto& d : t.node.dirs()) EXPECT_EQ(slurp_line(d + "/cgroup.procs"), std::to_string(pid)) << d;
  auto none = t.parent.pids();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  // A parent with a child cgroup is not destroyed, and nothing in it is killed.
  auto busy = t.parent.destroy();
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().err, EBUSY);
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), 0);

  ASSERT_TRUE(t.node.kill_all().ok());
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  pids = t.node.pids();
  ASSERT_TRUE(pids.ok());
  EXPECT_TRUE(pids->empty());
  t.expect_gone();
}

TEST(Cgroup, AddProcessAndDestroyKills) {
  REQUIRE_ROOT();
  Tree t("add");
  pid_t pid = ::fork();
  if (pid == 0) {
    for (;;) ::pause();
  }
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(t.node.add_process(pid).ok());
  auto pids = t.node.pids();
  ASSERT_TRUE(pids.ok());
  EXPECT_EQ(*pids, std::vector<pid_t>{pid});
  // An adopted handle on the same path works as well as the creator's.
  Cgroup again = Cgroup::adopt(t.layout, t.root + "/node");
  ASSERT_TRUE(again.destroy().ok());
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_TRUE(faultline::testing::existing_cgroup_dirs(t.root + "/node").empty());
  EXPECT_TRUE(t.node.destroy().ok());  // idempotent: already gone
  t.expect_gone();
}

TEST(Cgroup, CpuLimitHoldsABusyLoop) {
  REQUIRE_ROOT();
  Tree t("cpu");
  ASSERT_TRUE(t.node.set_limits({500, 0, 0}).ok());
  pid_t pid = fork_joined(t.node, busy_loop);
  ASSERT_GT(pid, 0);
  ::usleep(200000);  // past the first period
  const uint64_t u0 = cpu_ns(t.node);
  const auto t0 = Clock::now();
  ::usleep(2000000);
  const uint64_t u1 = cpu_ns(t.node);
  const double wall = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
  const double cores = static_cast<double>(u1 - u0) / wall;
  auto u = t.node.usage();
  ASSERT_TRUE(u.ok());
  std::printf("[info] 0.5-core limit: busy loop used %.3f cores; throttled %llu times, %.0f ms\n", cores,
              static_cast<unsigned long long>(u->nr_throttled), static_cast<double>(u->throttled_ns) / 1e6);
  EXPECT_LE(cores, 0.55);
  EXPECT_GE(cores, 0.05);  // it did run
  // On a busy host the loop may not even get half a core; only a loop that
  // reached its quota is necessarily throttled.
  if (cores >= 0.45) {
    EXPECT_GT(u->nr_throttled, 0u);
    EXPECT_GT(u->throttled_ns, 0u);
  }
  ASSERT_TRUE(t.node.kill_all().ok());
  ::waitpid(pid, nullptr, 0);
  t.expect_gone();
}

TEST(Cgroup, MemoryLimitOomKills) {
  REQUIRE_ROOT();
  Tree t("oom");
  ASSERT_TRUE(t.node.set_limits({0, 32u << 20, 0}).ok());
  pid_t pid = fork_joined(t.node, [] {
    const size_t len = 64u << 20;
    void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) ::_exit(2);
    auto* c = static_cast<volatile char*>(p);
    for (size_t i = 0; i < len; i += 4096) c[i] = 1;
    ::_exit(3);  // survived: the limit did not hold
  });
  ASSERT_GT(pid, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  auto u = t.node.usage();
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_GE(u->oom_kills, 1u);
  EXPECT_LE(u->memory_bytes, 32u << 20);
  t.expect_gone();
}

TEST(Cgroup, FreezeStopsABusyChild) {
  REQUIRE_ROOT();
  Tree t("freeze");
  pid_t pid = fork_joined(t.node, busy_loop);
  ASSERT_GT(pid, 0);
  ::usleep(50000);
  auto st = t.node.freeze(true);
  ASSERT_TRUE(st.ok()) << st.error().message();
  const uint64_t u0 = cpu_ns(t.node);
  ::usleep(500000);
  const uint64_t u1 = cpu_ns(t.node);
  EXPECT_LT(u1 - u0, 2000000u) << "frozen child used " << (u1 - u0) << " ns";
  ASSERT_TRUE(t.node.freeze(false).ok());
  ::usleep(300000);
  EXPECT_GT(cpu_ns(t.node) - u1, 10000000u);  // running again

  // Killing works on a frozen cgroup too.
  ASSERT_TRUE(t.node.freeze(true).ok());
  st = t.node.destroy();
  ASSERT_TRUE(st.ok()) << st.error().message();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  t.expect_gone();
}

TEST(Cgroup, KillAllCatchesForks) {
  REQUIRE_ROOT();
  Tree t("forks");
  ASSERT_TRUE(t.node.set_limits({0, 0, 64}).ok());
  // A child that keeps forking (bounded by pids.max): every generation must go.
  pid_t pid = fork_joined(t.node, [] {
    for (;;) {
      pid_t c = ::fork();
      if (c == 0) continue;  // the child forks on too
      if (c > 0) ::waitpid(c, nullptr, 0);
      ::usleep(1000);
    }
  });
  ASSERT_GT(pid, 0);
  ::usleep(100000);
  auto st = t.node.kill_all();
  ASSERT_TRUE(st.ok()) << st.error().message();
  ::waitpid(pid, nullptr, 0);
  auto pids = t.node.pids();
  ASSERT_TRUE(pids.ok());
  EXPECT_TRUE(pids->empty());
  t.expect_gone();
}

// Without the v2 tree (a pure v1 host): no cgroup.kill, so kill_all signals
// pid by pid, and a frozen v1 cgroup must be thawed for SIGKILL to land.
TEST(Cgroup, V1OnlyKillsFrozenProcesses) {
  REQUIRE_ROOT();
  CgroupLayout l = must_probe();
  for (auto it = l.controllers.begin(); it != l.controllers.end();) {
    it = it->second.v2 ? l.controllers.erase(it) : std::next(it);
  }
  l.unified.reset();
  if (!l.controllers.count("freezer")) GTEST_SKIP() << "no v1 freezer here";
  Tree t("v1only", l);
  EXPECT_EQ(t.node.dirs().size(), l.hierarchies().size());
  std::vector<pid_t> kids;
  for (int i = 0; i < 3; ++i) {
    pid_t pid = fork_joined(t.node, busy_loop);
    ASSERT_GT(pid, 0);
    kids.push_back(pid);
  }
  auto pids = t.node.pids();
  ASSERT_TRUE(pids.ok());
  EXPECT_EQ(pids->size(), 3u);
  ASSERT_TRUE(t.node.freeze(true).ok());
  EXPECT_EQ(slurp_line(l.controllers.at("freezer").mount + "/" + t.root + "/node/freezer.state"), "FROZEN");
  auto st = t.node.destroy();
  ASSERT_TRUE(st.ok()) << st.error().message();
  for (pid_t k : kids) {
    int status = 0;
    ASSERT_EQ(::waitpid(k, &status, 0), k);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  }
  t.expect_gone();
}

}  // namespace
}  // namespace faultline::runtime
