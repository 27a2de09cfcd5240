// SPDX-License-Identifier: Apache-2.0
// The CLI end to end, as a user runs it: up a 3-node chain, reach nodes by
// name across two hops, check hostnames and limits, take it down, and check
// the kernel is exactly as before; kill the owner and check cleanup.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/netns.hpp"
#include "orchestrator/runtime/state.hpp"
#include "tests/support/chain_topology.hpp"
#include "tests/support/cli_run_test.hpp"

using namespace faultline;
using namespace faultline::testing;
namespace fs = std::filesystem;

namespace {

class Lifecycle : public CliRunTest {
 protected:
  // The run's namespaces, identified exactly while they live.
  std::vector<NetnsRef> netns_of(const runtime::RunState& st) {
    std::vector<NetnsRef> out;
    for (const auto& h : st.holders) {
      auto fd = runtime::open_ns(h.id.pid, "net");
      if (fd.ok()) out.push_back(netns_ref(fd->get()));
    }
    return out;
  }
  void expect_gone(const runtime::RunState& st, const std::vector<NetnsRef>& netns) {
    for (const auto& h : st.holders) EXPECT_FALSE(runtime::is_alive(h.id)) << "holder of " << h.ns << " alive";
    for (const auto& r : netns) EXPECT_FALSE(netns_held(r)) << "netns " << r.ino << " still held";
    for (const auto& cg : st.cgroups) EXPECT_TRUE(existing_cgroup_dirs(cg).empty()) << cg;
    EXPECT_FALSE(fs::exists(runtime::run_dir(run_))) << "state folder left";
  }
};

const std::string kChain = std::string("[experiment]\nname = \"chain\"\n") + kThreeNodeChain;

}  // namespace

TEST_F(Lifecycle, ChainComesUpReachableByNameAndGoesDownWithoutATrace) {
  up(kChain);
  const auto st = state();
  ASSERT_EQ(st.nodes.size(), 3u);
  const auto netns = netns_of(st);

  for (const char* n : {"client", "api", "db"}) {
    const auto r = run_cmd(cli("exec " + run_ + " " + n + " -- hostname"));
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out, std::string(n) + "\n");
  }
  // Two hops by name: client -> api -> db.
  const auto ping = run_cmd(cli("exec " + run_ + " client -- ping -c 2 -i 0.2 -W 2 db"));
  EXPECT_EQ(ping.status, 0) << ping.out;
  EXPECT_NE(ping.out.find("2 received"), std::string::npos) << ping.out;

  // TCP by name: a listener inside db (socket opened in db's namespace), a
  // connect from client through bash's /dev/tcp, which resolves via client's /etc/hosts.
  const auto* db = st.holder("db");
  ASSERT_NE(db, nullptr);
  auto dbns = runtime::open_ns(db->id.pid, "net");
  ASSERT_TRUE(dbns.ok());
  int lfd = -1;
  ASSERT_TRUE(runtime::in_netns(dbns->get(), [&]() -> Status {
                lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                sockaddr_in a{};
                a.sin_family = AF_INET;
                a.sin_port = htons(5432);
                int one = 1;
                ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
                if (::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(lfd, 4) != 0)
                  return sys_error("listen in db");
                return {};
              }).ok());
  const auto conn = run_cmd(cli("exec " + run_ + " client -- bash -c 'echo hello >/dev/tcp/db/5432'"));
  EXPECT_EQ(conn.status, 0) << conn.out;
  const int cfd = ::accept(lfd, nullptr, nullptr);
  ASSERT_GE(cfd, 0);
  char buf[16] = {};
  EXPECT_GT(::read(cfd, buf, sizeof buf - 1), 0);
  EXPECT_STREQ(buf, "hello\n");
  ::close(cfd);
  ::close(lfd);

  const auto down = run_cmd(cli("down " + run_));
  EXPECT_EQ(down.status, 0) << down.out;
  expect_gone(st, netns);
  EXPECT_TRUE(host_links_added(links_before_).empty());
}

TEST_F(Lifecycle, CpuLimitHoldsABusyLoopToHalfACore) {
  up(R"(
[[node]]
name = "busy"
cpu = 0.5
command = "while :; do :; done"
)");
  auto layout = runtime::CgroupLayout::probe();
  ASSERT_TRUE(layout.ok());
  auto cg = runtime::Cgroup::adopt(layout.value(), "faultline/" + run_ + "/busy");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto u0 = cg.usage();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto u1 = cg.usage();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  cg.release();
  ASSERT_TRUE(u0.ok() && u1.ok());
  const double cores = (u1->cpu_usage_ns - u0->cpu_usage_ns) / 1e9 / secs;
  EXPECT_LE(cores, 0.55);
  EXPECT_GE(cores, 0.35) << "the busy loop did not run: the limit was not what held it";
  EXPECT_GT(u1->nr_throttled, u0->nr_throttled) << "the CFS quota never throttled it";
}

TEST_F(Lifecycle, MemoryHogIsOomKilledAndReported) {
  // tail holds a line until its newline: /dev/zero has none, so it grows until killed.
  up(R"(
[[node]]
name = "hog"
memory = "32MiB"
command = "head -c 256M /dev/zero | tail"
)");
  auto layout = runtime::CgroupLayout::probe();
  ASSERT_TRUE(layout.ok());
  auto cg = runtime::Cgroup::adopt(layout.value(), "faultline/" + run_ + "/hog");
  uint64_t ooms = 0;
  for (int i = 0; i < 100 && ooms == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto u = cg.usage();
    if (u.ok()) ooms = u->oom_kills;
  }
  cg.release();
  EXPECT_GE(ooms, 1u);
  const auto status = run_cmd(cli("status " + run_));
  EXPECT_EQ(status.status, 0);
  EXPECT_NE(status.out.find("OOM-killed"), std::string::npos) << status.out;
}

TEST_F(Lifecycle, KilledOwnerLeavesNothingAfterCleanup) {
  up(kChain);
  const auto st = state();
  const auto netns = netns_of(st);
  ASSERT_TRUE(runtime::is_alive(st.owner));
  ASSERT_EQ(::kill(st.owner.pid, SIGKILL), 0);
  for (int i = 0; i < 50 && runtime::is_alive(st.owner); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto list = run_cmd(cli("status"));
  EXPECT_NE(list.out.find("dead"), std::string::npos) << list.out;
  const auto r = run_cmd(cli("cleanup"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(run_), std::string::npos) << r.out;
  expect_gone(st, netns);
}

TEST_F(Lifecycle, BadInputCreatesNothing) {
  const auto r = run_cmd(cli("up --name " + run_ + " " + write_topology("[[node]]\nname = \"a\"\ncpu = -1\n")));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("topo.toml:3:"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(runtime::run_dir(run_)));
  EXPECT_TRUE(existing_cgroup_dirs("faultline/" + run_).empty());
}

TEST_F(Lifecycle, SecondRunWithTheSameNameIsRefused) {
  up(kChain);
  const auto r = run_cmd(cli("up --name " + run_ + " " + write_topology(kChain)));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("exists"), std::string::npos) << r.out;
  // The first run is untouched.
  const auto ping = run_cmd(cli("exec " + run_ + " client -- ping -c 1 -W 2 db"));
  EXPECT_EQ(ping.status, 0) << ping.out;
}
