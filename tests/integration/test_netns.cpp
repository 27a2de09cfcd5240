// SPDX-License-Identifier: Apache-2.0
// Node holders: the process that keeps a node's namespaces alive, and
// in_netns, the helper thread that works inside one.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/runtime/netlink.hpp"
#include "orchestrator/runtime/netns.hpp"
#include "orchestrator/runtime/proc.hpp"
#include "tests/support/kernel_snapshot.hpp"
#include "tests/support/slurp.hpp"

namespace faultline::runtime {
namespace {

#define REQUIRE_ROOT() \
  if (::geteuid() != 0) GTEST_SKIP() << "needs root"

using Clock = std::chrono::steady_clock;
using faultline::testing::slurp;

uint64_t self_ns(const char* kind) {
  struct stat st {};
  std::string p = std::string("/proc/self/ns/") + kind;
  return ::stat(p.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_ino) : 0;
}

// Host-side interface names carry the test pid so parallel runs never collide.
std::string tag(const std::string& what) {
  char b[16];
  std::snprintf(b, sizeof b, "n%x%s", static_cast<unsigned>(::getpid()), what.c_str());
  return b;
}

// Waits (netns teardown is asynchronous in the kernel) until no host link has
// one of these names; returns the ones still there.
std::vector<std::string> host_links_left(const std::vector<std::string>& names, int timeout_ms = 5000) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto links = faultline::testing::host_links();
    std::vector<std::string> left;
    for (const auto& n : names) {
      if (links.count(n)) left.push_back(n);
    }
    if (left.empty() || Clock::now() > deadline) return left;
    ::usleep(10000);
  }
}

bool netns_live(const faultline::testing::NetnsRef& r) { return faultline::testing::netns_held(r); }

// IFF_* flags of an interface, read from inside the namespace.
int if_flags_in(int netns_fd, const char* ifname) {
  int flags = -1;
  Status st = in_netns(netns_fd, [&]() -> Status {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return sys_error("socket");
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    if (::ioctl(s, SIOCGIFFLAGS, &ifr) == 0) flags = ifr.ifr_flags;
    ::close(s);
    return {};
  });
  return st.ok() ? flags : -1;
}

TEST(NodeHolder, SpawnGivesOwnNamespacesHostsAndTmp) {
  REQUIRE_ROOT();
  const std::string hosts = "/tmp/fl-test-hosts-" + std::to_string(::getpid());
  const std::string hosts_content = "10.9.8.7 db\n10.9.8.6 api\n";
  {
    std::ofstream f(hosts);
    f << hosts_content;
  }
  // Removed however the test ends (a failed ASSERT returns early).
  struct Unlink {
    std::string path;
    ~Unlink() { ::unlink(path.c_str()); }
  } unlink_hosts{hosts};
  const std::string hostname = "fl-node-" + std::to_string(::getpid());
  HolderSpec spec;
  spec.hostname = hostname;
  spec.hosts_file = hosts;

  uint64_t ino = 0;
  faultline::testing::NetnsRef ref;
  pid_t pid = 0;
  {
    auto h = NodeHolder::spawn(spec);
    ASSERT_TRUE(h.ok()) << h.error().message();
    ASSERT_TRUE(h->valid());
    pid = h->id().pid;
    ino = h->netns_inode();
    ref = faultline::testing::netns_ref(h->netns_fd());
    const std::string proc = "/proc/" + std::to_string(pid);

    // Namespaces: new net, uts and mnt; the fd and the inode agree.
    EXPECT_NE(ino, self_ns("net"));
    EXPECT_EQ(ns_inode(pid, "net").value(), ino);
    EXPECT_NE(ns_inode(pid, "uts").value(), self_ns("uts"));
    EXPECT_NE(ns_inode(pid, "mnt").value(), self_ns("mnt"));
    struct stat st {};
    ASSERT_EQ(::fstat(h->netns_fd(), &st), 0);
    EXPECT_EQ(static_cast<uint64_t>(st.st_ino), ino);
    EXPECT_TRUE(is_alive(h->id()));
    EXPECT_EQ(h->id().start_time, proc_start_time(pid).value());

    EXPECT_EQ(slurp(proc + "/comm"), "fl-holder\n");
    char cwd[64] = {};
    ASSERT_GT(::readlink((proc + "/cwd").c_str(), cwd, sizeof cwd - 1), 0);
    EXPECT_STREQ(cwd, "/");

    // Hostname, read from a thread that joined the holder's uts namespace.
    auto uts = open_ns(pid, "uts");
    ASSERT_TRUE(uts.ok());
    std::string seen;
    std::thread t([&] {
      if (::setns(uts->get(), CLONE_NEWUTS) == 0) {
        utsname u{};
        ::uname(&u);
        seen = u.nodename;
      }
    });
    t.join();
    EXPECT_EQ(seen, hostname);
    utsname mine{};
    ::uname(&mine);
    EXPECT_NE(std::string(mine.nodename), hostname);

    // /proc/PID/root resolves paths in the holder's mount namespace.
    EXPECT_EQ(slurp(proc + "/root/etc/hosts"), hosts_content);
    int w = ::open((proc + "/root/etc/hosts").c_str(), O_WRONLY);
    EXPECT_LT(w, 0);
    EXPECT_EQ(errno, EROFS);
    if (w >= 0) ::close(w);

    // Private /tmp: empty tmpfs, and files do not cross in either direction.
    const std::string inside = proc + "/root/tmp/fl-private-" + std::to_string(::getpid());
    { std::ofstream(inside) << "x"; }
    EXPECT_EQ(::access(inside.c_str(), F_OK), 0);
    EXPECT_NE(::access(("/tmp/fl-private-" + std::to_string(::getpid())).c_str(), F_OK), 0);
    EXPECT_NE(::access((proc + "/root" + hosts).c_str(), F_OK), 0);
    EXPECT_EQ(::access(hosts.c_str(), F_OK), 0);

    // Only stdio is open, and it is /dev/null.
    std::set<std::string> fds;
    if (DIR* d = ::opendir((proc + "/fd").c_str())) {
      while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] != '.') fds.insert(e->d_name);
      }
      ::closedir(d);
    }
    EXPECT_EQ(fds, (std::set<std::string>{"0", "1", "2"}));
    char link[64] = {};
    ASSERT_GT(::readlink((proc + "/fd/0").c_str(), link, sizeof link - 1), 0);
    EXPECT_STREQ(link, "/dev/null");

    // Its own procfs on /proc (on top of the host's, which the mount
    // namespace copied): one more proc mount at /proc than the host has.
    auto proc_mounts_at_proc = [](const std::string& mountinfo) {
      int n = 0;
      std::istringstream in(mountinfo);
      for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        std::string id, parent, dev, root, point;
        f >> id >> parent >> dev >> root >> point;
        const auto dash = line.find(" - ");
        if (point == "/proc" && dash != std::string::npos && line.compare(dash + 3, 5, "proc ") == 0) ++n;
      }
      return n;
    };
    EXPECT_EQ(proc_mounts_at_proc(slurp(proc + "/mountinfo")), proc_mounts_at_proc(slurp("/proc/self/mountinfo")) + 1);
    // IPv6 is off for every interface made in the namespace from now on.
    std::string disable_ipv6;
    std::thread t6([&] {
      if (::setns(h->netns_fd(), CLONE_NEWNET) == 0) disable_ipv6 = slurp("/proc/sys/net/ipv6/conf/default/disable_ipv6");
    });
    t6.join();
    EXPECT_EQ(disable_ipv6, "1\n");

    // lo is up: localhost works inside the node.
    const int lo = if_flags_in(h->netns_fd(), "lo");
    ASSERT_GE(lo, 0);
    EXPECT_TRUE(lo & IFF_UP);

    // Ctrl-C on the terminal must not take the namespaces away.
    ASSERT_EQ(::kill(pid, SIGINT), 0);
    ASSERT_EQ(::kill(pid, SIGHUP), 0);
    ::usleep(20000);
    EXPECT_TRUE(is_alive(h->id()));
  }
  // Destroyed: the process is reaped and nobody is in its netns any more.
  EXPECT_NE(::access(("/proc/" + std::to_string(pid)).c_str(), F_OK), 0);
  EXPECT_FALSE(netns_live(ref));
}

TEST(NodeHolder, WithoutHostnameKeepsUts) {
  REQUIRE_ROOT();
  HolderSpec spec;
  spec.new_mount_ns = false;
  auto h = NodeHolder::spawn(spec);
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_EQ(ns_inode(h->id().pid, "uts").value(), self_ns("uts"));
  EXPECT_EQ(ns_inode(h->id().pid, "mnt").value(), self_ns("mnt"));
  EXPECT_NE(h->netns_inode(), self_ns("net"));
}

TEST(NodeHolder, FailedStepIsReportedAndNothingLeft) {
  REQUIRE_ROOT();
  HolderSpec spec;
  spec.hosts_file = "/nonexistent/fl-hosts";
  auto h = NodeHolder::spawn(spec);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().err, ENOENT);
  EXPECT_NE(h.error().context.find("/etc/hosts"), std::string::npos) << h.error().context;
  // The failed holder was reaped: this test has no children left.
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);

  HolderSpec bad;
  bad.hostname = std::string(100, 'x');
  auto b = NodeHolder::spawn(bad);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().err, EINVAL);
}

TEST(NodeHolder, KillAndWaitIsIdempotentAndReleaseKeepsIt) {
  REQUIRE_ROOT();
  auto h = NodeHolder::spawn({});
  ASSERT_TRUE(h.ok()) << h.error().message();
  const ProcId id = h->id();
  ASSERT_TRUE(h->kill_and_wait().ok());
  EXPECT_FALSE(h->valid());
  EXPECT_FALSE(is_alive(id));
  EXPECT_TRUE(h->kill_and_wait().ok());

  auto k = NodeHolder::spawn({});
  ASSERT_TRUE(k.ok());
  ProcId kept;
  {
    NodeHolder moved = std::move(*k);
    EXPECT_FALSE(k->valid());
    kept = moved.release();
  }
  EXPECT_TRUE(is_alive(kept));  // released: the owner's end did not kill it
  EXPECT_TRUE(kill_verified(kept).ok());
  EXPECT_FALSE(is_alive(kept));
}

TEST(NodeHolder, DiesWithItsParent) {
  REQUIRE_ROOT();
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  pid_t mid = ::fork();
  if (mid == 0) {
    ::close(p[0]);
    auto h = NodeHolder::spawn({});
    ProcId id{};
    if (h.ok()) id = h->release();
    (void)!::write(p[1], &id, sizeof id);
    ::_exit(0);  // no destructors: the holder must go by PR_SET_PDEATHSIG alone
  }
  ASSERT_GT(mid, 0);
  ::close(p[1]);
  ProcId id{};
  ASSERT_EQ(::read(p[0], &id, sizeof id), static_cast<ssize_t>(sizeof id));
  ::close(p[0]);
  ASSERT_GT(id.pid, 0);
  ASSERT_EQ(::waitpid(mid, nullptr, 0), mid);
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (is_alive(id) && Clock::now() < deadline) ::usleep(5000);
  EXPECT_FALSE(is_alive(id));
}

TEST(NodeHolder, DetachedHolderHasOwnSession) {
  REQUIRE_ROOT();
  HolderSpec spec;
  spec.die_with_parent = false;
  auto h = NodeHolder::spawn(spec);
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_EQ(::getsid(h->id().pid), h->id().pid);
}

TEST(NodeHolder, DestroyRemovesVethInItsNamespace) {
  REQUIRE_ROOT();
  const std::string host_end = tag("h");
  auto host = NlSocket::open();
  ASSERT_TRUE(host.ok()) << host.error().message();
  faultline::testing::NetnsRef ref;
  {
    auto h = NodeHolder::spawn({});
    ASSERT_TRUE(h.ok()) << h.error().message();
    ref = faultline::testing::netns_ref(h->netns_fd());
    auto st = host->create_veth("eth0", h->netns_fd(), host_end, -1);
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_TRUE(faultline::testing::host_links().count(host_end));
    auto in = NlSocket::open_in(h->netns_fd());
    ASSERT_TRUE(in.ok());
    auto names = in->link_names();
    ASSERT_TRUE(names.ok());
    EXPECT_EQ(std::set<std::string>(names->begin(), names->end()), (std::set<std::string>{"lo", "eth0"}));
  }
  EXPECT_FALSE(netns_live(ref));
  EXPECT_TRUE(host_links_left({host_end}).empty());
}

TEST(InNetns, RunsOnAnotherThreadInTheNamespace) {
  REQUIRE_ROOT();
  auto h = NodeHolder::spawn({});
  ASSERT_TRUE(h.ok()) << h.error().message();
  const uint64_t before = self_ns("net");
  uint64_t inside = 0;
  auto st = in_netns(h->netns_fd(), [&]() -> Status {
    struct stat s {};
    if (::stat("/proc/thread-self/ns/net", &s) != 0) return sys_error("stat");
    inside = s.st_ino;
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(inside, h->netns_inode());
  EXPECT_EQ(self_ns("net"), before);

  // The function's error comes back as is.
  auto err = in_netns(h->netns_fd(), []() -> Status { return Error{EDOM, "inner"}; });
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().err, EDOM);
  // A bad fd fails setns.
  auto bad = in_netns(-1, []() -> Status { return {}; });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().err, EBADF);
}

TEST(InNetns, EachRunsInItsNamespaceInOrderAndStopsAtTheFirstError) {
  REQUIRE_ROOT();
  auto a = NodeHolder::spawn({});
  auto b = NodeHolder::spawn({});
  ASSERT_TRUE(a.ok() && b.ok());
  const uint64_t before = self_ns("net");
  std::vector<std::pair<size_t, uint64_t>> seen;
  auto st = in_each_netns({a->netns_fd(), b->netns_fd(), a->netns_fd()}, [&](size_t i) -> Status {
    struct stat s {};
    if (::stat("/proc/thread-self/ns/net", &s) != 0) return sys_error("stat");
    seen.emplace_back(i, s.st_ino);
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(seen, (std::vector<std::pair<size_t, uint64_t>>{
                      {0, a->netns_inode()}, {1, b->netns_inode()}, {2, a->netns_inode()}}));
  EXPECT_EQ(self_ns("net"), before);

  // The first error ends the walk and comes back as is; so does a bad fd.
  int calls = 0;
  auto err = in_each_netns({a->netns_fd(), b->netns_fd()}, [&](size_t) -> Status {
    ++calls;
    return Error{EDOM, "inner"};
  });
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().err, EDOM);
  EXPECT_EQ(calls, 1);
  calls = 0;
  auto bad = in_each_netns({a->netns_fd(), -1, b->netns_fd()}, [&](size_t) -> Status {
    ++calls;
    return {};
  });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().err, EBADF);
  EXPECT_EQ(calls, 1);
}

TEST(InNetns, ThousandCallsAreCheap) {
  REQUIRE_ROOT();
  auto h = NodeHolder::spawn({});
  ASSERT_TRUE(h.ok()) << h.error().message();
  const int n = 1000;
  int count = 0;
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(in_netns(h->netns_fd(), [&]() -> Status {
                  ++count;
                  return {};
                }).ok());
  }
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n;
  EXPECT_EQ(count, n);
  std::printf("[perf] in_netns: %.1f us per call\n", us);
  // ~55 us on an idle 2-vCPU VM; the bound only catches a pathological
  // regression, since parallel test runs load the machine.
  EXPECT_LT(us, 2000.0);
}

// The holder's own cost: spawn N (fork, unshare, mounts, lo up) then destroy N.
TEST(NodeHolder, SpawnAndDestroyCost) {
  REQUIRE_ROOT();
  int n = 200;
  if (const char* e = ::getenv("FL_PERF_NODES")) n = std::atoi(e);
  HolderSpec spec;
  spec.hostname = "fl-perf";
  std::vector<NodeHolder> hs;
  hs.reserve(static_cast<size_t>(n));
  std::set<uint64_t> inos;
  std::vector<faultline::testing::NetnsRef> refs;
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto h = NodeHolder::spawn(spec);
    ASSERT_TRUE(h.ok()) << i << ": " << h.error().message();
    inos.insert(h->netns_inode());
    refs.push_back(faultline::testing::netns_ref(h->netns_fd()));
    hs.push_back(std::move(*h));
  }
  const auto t1 = Clock::now();
  for (auto& h : hs) ASSERT_TRUE(h.kill_and_wait().ok());
  const auto t2 = Clock::now();
  hs.clear();
  const double up = std::chrono::duration<double, std::milli>(t1 - t0).count() / n;
  const double down = std::chrono::duration<double, std::milli>(t2 - t1).count() / n;
  std::printf("[perf] %d holders: spawn %.3f ms each, kill+reap %.3f ms each\n", n, up, down);
  EXPECT_EQ(inos.size(), static_cast<size_t>(n));
  for (const auto& r : refs) EXPECT_FALSE(faultline::testing::netns_held(r));
}

TEST(NodeHolder, SpawnManyOverlapsSetup) {
  REQUIRE_ROOT();
  int n = 200;
  if (const char* e = ::getenv("FL_PERF_NODES")) n = std::atoi(e);
  std::vector<HolderSpec> specs(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) specs[static_cast<size_t>(i)].hostname = "n" + std::to_string(i);
  // One bad spec in the middle fails alone, in its place.
  specs[1].hosts_file = "/nonexistent/fl-hosts";
  const auto t0 = Clock::now();
  auto hs = NodeHolder::spawn_many(specs, 8);
  const double up = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / n;
  ASSERT_EQ(hs.size(), specs.size());
  std::set<uint64_t> inos;
  std::vector<faultline::testing::NetnsRef> refs;
  for (int i = 0; i < n; ++i) {
    if (i == 1) {
      ASSERT_FALSE(hs[1].ok());
      EXPECT_EQ(hs[1].error().err, ENOENT);
      continue;
    }
    ASSERT_TRUE(hs[static_cast<size_t>(i)].ok()) << i << ": " << hs[static_cast<size_t>(i)].error().message();
    inos.insert(hs[static_cast<size_t>(i)]->netns_inode());
    refs.push_back(faultline::testing::netns_ref(hs[static_cast<size_t>(i)]->netns_fd()));
  }
  EXPECT_EQ(inos.size(), static_cast<size_t>(n - 1));
  // Each holder got its own spec.
  auto uts = open_ns(hs[0]->id().pid, "uts");
  ASSERT_TRUE(uts.ok());
  std::string seen;
  std::thread t([&] {
    if (::setns(uts->get(), CLONE_NEWUTS) == 0) {
      utsname u{};
      ::uname(&u);
      seen = u.nodename;
    }
  });
  t.join();
  EXPECT_EQ(seen, "n0");
  std::vector<NodeHolder> alive;
  for (auto& h : hs) {
    if (h.ok()) alive.push_back(std::move(*h));
  }
  const auto t1 = Clock::now();
  ASSERT_TRUE(NodeHolder::kill_many(alive).ok());
  const double down = std::chrono::duration<double, std::milli>(Clock::now() - t1).count() / n;
  for (const auto& h : alive) EXPECT_FALSE(h.valid());
  std::printf("[perf] spawn_many(%d, parallel 8): %.3f ms each; kill_many %.3f ms each\n", n, up, down);
  for (const auto& r : refs) EXPECT_FALSE(faultline::testing::netns_held(r));
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
}

}  // namespace
}  // namespace faultline::runtime
