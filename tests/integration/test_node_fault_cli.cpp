// SPDX-License-Identifier: Apache-2.0
// Node faults typed at the keyboard (`faultline fault RUN node:N ...`): the
// owner applies them with the timeline's runtime calls and holds them until
// `--clear`; a cut CPU quota and a pause show in the node's cgroup, a kill ends
// the node's process and the clear starts a new one, bad input is refused with
// exit code 2 and changes nothing, and a fault still held when the run goes
// down is undone with it (no hog left, no cgroup left).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/state.hpp"
#include "tests/support/cli_run_test.hpp"

using namespace faultline;
using namespace faultline::testing;

namespace {

const char* kTopo = R"(
[experiment]
name = "node-fault-cli"

[[node]]
name = "app"
cpu = 1
memory = "256MiB"
command = "sleep 600"

[[node]]
name = "db"

[[link]]
between = ["app", "db"]
)";

std::string read_file(const std::string& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  std::string out = s.str();
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

class NodeFaultCli : public CliRunTest {
 protected:
  void SetUp() override {
    CliRunTest::SetUp();
    if (IsSkipped()) return;
    up(kTopo);
  }
  // A file of the node's cgroup in the hierarchy of `controller`.
  std::string cg_file(const std::string& node, const std::string& controller, const std::string& file) {
    auto layout = runtime::CgroupLayout::probe();
    EXPECT_TRUE(layout.ok());
    const auto it = layout->controllers.find(controller);
    EXPECT_NE(it, layout->controllers.end()) << controller;
    return it->second.mount + "/faultline/" + run_ + "/" + node + "/" + file;
  }
  bool v2(const std::string& controller) {
    auto layout = runtime::CgroupLayout::probe();
    return layout.ok() && layout->controllers.at(controller).v2;
  }
  // The CPU quota in cores (0: none).
  double quota() {
    if (v2("cpu")) {
      std::istringstream s(read_file(cg_file("app", "cpu", "cpu.max")));
      std::string q;
      double period = 0;
      s >> q >> period;
      return q == "max" ? 0 : std::stod(q) / period;
    }
    const double q = std::stod(read_file(cg_file("app", "cpu", "cpu.cfs_quota_us")));
    const double period = std::stod(read_file(cg_file("app", "cpu", "cpu.cfs_period_us")));
    return q < 0 ? 0 : q / period;
  }
  bool frozen() {
    if (v2("freezer")) return read_file(cg_file("app", "freezer", "cgroup.freeze")) == "1";
    return read_file(cg_file("app", "freezer", "freezer.state")) == "FROZEN";
  }
  // The node's live `sleep` processes, from the run's own record.
  std::vector<runtime::ProcId> sleepers() {
    std::vector<runtime::ProcId> out;
    for (const auto& p : state().processes)
      if (p.node == "app" && runtime::is_alive(p.id)) out.push_back(p.id);
    return out;
  }
  CommandResult fault(const std::string& args) { return run_cmd(cli("fault " + run_ + " " + args)); }
};

}  // namespace

TEST_F(NodeFaultCli, CpuCutShowsInTheCgroupAndClearRestoresThePlan) {
  EXPECT_NEAR(quota(), 1.0, 1e-9);
  auto r = fault("node:app cpu=0.2");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("cpu"), std::string::npos) << r.out;
  EXPECT_NEAR(quota(), 0.2, 1e-9);
  // A second cut replaces the first.
  r = fault("node:app cpu=0.3");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NEAR(quota(), 0.3, 1e-9);
  r = fault("list");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("node app"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("0.2"), std::string::npos) << "the replaced cut is gone: " << r.out;
  r = fault("--clear node:app");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NEAR(quota(), 1.0, 1e-9);
  EXPECT_EQ(fault("list").out.find("node app"), std::string::npos);
}

TEST_F(NodeFaultCli, PauseFreezesAndClearAllThaws) {
  EXPECT_FALSE(frozen());
  auto r = fault("node:app pause");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(frozen());
  r = fault("--clear all");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_FALSE(frozen());
}

TEST_F(NodeFaultCli, KillEndsTheNodesProcessAndClearStartsANewOne) {
  const auto before = sleepers();
  ASSERT_EQ(before.size(), 1u);
  auto r = fault("node:app kill");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_FALSE(runtime::is_alive(before[0]));
  EXPECT_TRUE(sleepers().empty());
  r = fault("--clear node:app");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto after = sleepers();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after[0].pid, before[0].pid);
  // restart: the same, at once.
  r = fault("node:app restart");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto again = sleepers();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_NE(again[0].pid, after[0].pid);
}

TEST_F(NodeFaultCli, BadInputIsRefusedAndChangesNothing) {
  for (const char* bad : {"node:app cpu=abc", "node:app cpu=0", "node:app memory=12 parsecs", "node:app memory=512KiB", "node:app explode",
                          "node:app pause cpu=0.1", "node:nope cpu=0.1", "node:app"}) {
    const auto r = fault(bad);
    EXPECT_EQ(r.status, 2) << bad << ": " << r.out;
    EXPECT_FALSE(r.out.empty()) << bad;
  }
  EXPECT_NEAR(quota(), 1.0, 1e-9);
  EXPECT_FALSE(frozen());
  EXPECT_EQ(sleepers().size(), 1u);
}

TEST_F(NodeFaultCli, AFaultHeldWhenTheRunGoesDownIsUndoneWithIt) {
  auto r = fault("node:app cpu-hog=0.5");
  ASSERT_EQ(r.status, 0) << r.out;
  std::vector<runtime::ProcId> recorded;
  for (const auto& p : state().processes)
    if (runtime::is_alive(p.id)) recorded.push_back(p.id);
  ASSERT_GE(recorded.size(), 2u) << "the sleep and the hog";
  r = run_cmd(cli("down " + run_));
  ASSERT_EQ(r.status, 0) << r.out;
  for (const auto& id : recorded) EXPECT_FALSE(runtime::is_alive(id)) << "pid " << id.pid;
  // TearDown: no host link and no cgroup of the run left.
}
