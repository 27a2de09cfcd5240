// SPDX-License-Identifier: Apache-2.0
// Node faults on a live run, through the runtime calls the experiment timeline
// makes: a CPU cut holds a busy loop to the new quota and its revert gives the
// CPU back; a memory cut below a hog's size OOM-kills it; pause stops a node's
// CPU counter and resume restarts it; kill ends the node's processes and the
// revert (and a restart) brings new ones; hogs burn and hold inside the node,
// under its limits. Every revert, explicit or by destruction (also when a later
// part of a fault fails), leaves the cgroup limits exactly as planned, and the
// run leaves no cgroup and no process behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "orchestrator/model/loader.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/node_faults.hpp"
#include "orchestrator/runtime/probe.hpp"
#include "orchestrator/runtime/run.hpp"
#include "orchestrator/runtime/state.hpp"
#include "tests/support/kernel_snapshot.hpp"

using namespace faultline::model::literals;

using namespace faultline;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using runtime::AppliedNodeFault;

namespace {

constexpr uint64_t kMiB = 1ULL << 20;

class NodeFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: namespaces, cgroups and the freezer";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("fl-nf-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    ::setenv("FAULTLINE_STATE_DIR", (dir_ / "state").c_str(), 1);
    name_ = "nf" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
  }

  void TearDown() override {
    if (::geteuid() != 0) return;
    // Everything the run ever recorded (node processes, their restarts, hogs,
    // squeezers) must be gone once it is down, and so must its cgroups.
    std::vector<runtime::ProcessRecord> recorded;
    if (auto st = runtime::read_run(name_); st.ok()) recorded = st->processes;
    if (run_) {
      EXPECT_TRUE(run_->down().ok());
    }
    run_.reset();
    for (const auto& p : recorded)
      EXPECT_FALSE(runtime::is_alive(p.id)) << p.name << " (pid " << p.id.pid << ") in " << p.node << " left running";
    EXPECT_TRUE(faultline::testing::existing_cgroup_dirs("faultline/" + name_).empty()) << "cgroups of the run left behind";
    EXPECT_FALSE(fs::exists(runtime::run_dir(name_))) << "state folder left";
    std::error_code ec;
    fs::remove_all(dir_, ec);
    ::unsetenv("FAULTLINE_STATE_DIR");
  }

  // Brings the topology up in this process, as `faultline run` does.
  void up(const char* toml, bool partitions = false) {
    auto lr = model::load_string(toml, "node_faults.toml");
    ASSERT_TRUE(lr.topology) << (lr.errors.empty() ? "" : lr.errors.front().str());
    const auto plan = plan::make_plan(*lr.topology, name_);
    runtime::RunOptions ro;
    ro.file = "node_faults.toml";
    ro.log_dir = (dir_ / "logs").string();
    if (partitions) {
      const auto probe = runtime::probe_kernel();
      ro.clsact_bpf = probe.has_clsact_bpf();
    }
    auto r = runtime::Run::up(plan, ro);
    ASSERT_TRUE(r.ok()) << r.error().message();
    run_ = std::move(r.value());
  }

  runtime::Cgroup& cg(const std::string& node) { return *run_->cgroup(node); }

  // The node's CPU use in cores over `window`, from its cgroup's usage counter.
  double cores(const std::string& node, std::chrono::milliseconds window) {
    auto u0 = cg(node).usage();
    const auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(window);
    auto u1 = cg(node).usage();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_TRUE(u0.ok() && u1.ok());
    if (!u0.ok() || !u1.ok()) return -1;
    return static_cast<double>(u1->cpu_usage_ns - u0->cpu_usage_ns) / 1e9 / secs;
  }

  runtime::CgroupLimits limits(const std::string& node) {
    auto l = cg(node).limits();
    EXPECT_TRUE(l.ok()) << l.error().message();
    return l.ok() ? l.value() : runtime::CgroupLimits{};
  }

  // The limits read back from the kernel are exactly the plan's.
  void expect_planned(const std::string& node) {
    const auto it = std::find_if(run_->plan().cgroups.begin(), run_->plan().cgroups.end(),
                                 [&](const plan::CgroupPlan& c) { return c.node == node; });
    ASSERT_NE(it, run_->plan().cgroups.end());
    const auto l = limits(node);
    EXPECT_EQ(l.cpu_millicores, it->cpu_millicores) << node;
    EXPECT_EQ(l.memory_bytes, it->memory_bytes) << node;
    EXPECT_EQ(l.pids, it->pids) << node;
  }

  std::vector<runtime::ProcId> node_processes(const std::string& node) {
    std::vector<runtime::ProcId> out;
    for (auto& p : run_->processes())
      if (p.node() == node && p.id().pid > 0) out.push_back(p.id());
    return out;
  }

  std::vector<pid_t> cgroup_pids(const std::string& node) {
    auto p = cg(node).pids();
    EXPECT_TRUE(p.ok());
    return p.ok() ? p.value() : std::vector<pid_t>{};
  }

  bool recorded(const runtime::ProcId& id) {
    auto st = runtime::read_run(name_);
    if (!st.ok()) return false;
    return std::any_of(st->processes.begin(), st->processes.end(),
                       [&](const runtime::ProcessRecord& r) { return r.id == id; });
  }

  template <class Pred>
  static bool eventually(Pred pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

  fs::path dir_;
  std::string name_;
  std::unique_ptr<runtime::Run> run_;
  static inline int counter_ = 0;
};

const char* kBusy = R"(
[[node]]
name = "busy"
cpu = 2.0
memory = "128MiB"
command = "while :; do :; done"
)";

}  // namespace

// The host is small and shared (2 cores, other tests and builds beside): a
// busy loop gets what the host leaves it, so the checks compare with what it
// got here, and the cut is deep enough (0.05 cores) to stand out.
TEST_F(NodeFaults, CpuCutHoldsABusyLoopToTheNewQuotaAndTheRevertGivesItBack) {
  up(kBusy);
  ASSERT_TRUE(run_);
  std::this_thread::sleep_for(200ms);
  const double before = cores("busy", 700ms);

  auto cut = runtime::cut_cpu(*run_, "busy"_node, 50);
  ASSERT_TRUE(cut.ok()) << cut.error().message();
  EXPECT_EQ(limits("busy").cpu_millicores, 50u);
  auto thr0 = cg("busy").usage();
  const double during = cores("busy", 1000ms);
  auto thr1 = cg("busy").usage();
  // A window not aligned to CFS periods may hold one period more: +0.005.
  EXPECT_LE(during, 0.065) << "the quota did not hold the loop";
  EXPECT_GE(during, 0.02) << "the loop did not run under the cut";
  ASSERT_TRUE(thr0.ok() && thr1.ok());
  EXPECT_GE(thr1->nr_throttled - thr0->nr_throttled, 5u) << "the quota never throttled the loop";

  // The timeline steps a ramp: halfway from the planned 2.0 to 0.05 is 1.025.
  EXPECT_EQ(cut->origin(), 2000u);
  ASSERT_TRUE(cut->ramp(0.5).ok());
  EXPECT_EQ(limits("busy").cpu_millicores, 1025u);
  ASSERT_TRUE(cut->ramp(1.0).ok());
  EXPECT_EQ(limits("busy").cpu_millicores, 50u);

  ASSERT_TRUE(cut->revert().ok());
  EXPECT_FALSE(cut->active());
  expect_planned("busy");
  auto thr2 = cg("busy").usage();
  const double after = cores("busy", 700ms);
  auto thr3 = cg("busy").usage();
  // One thread never reaches a 2-core quota: no throttling once reverted.
  EXPECT_EQ(thr3->nr_throttled, thr2->nr_throttled) << "still throttled after the revert";
  EXPECT_GT(after, 2 * during) << "before " << before << ", during " << during << ", after " << after;
  EXPECT_GT(before, 2 * during);
  std::printf("[ cores    ] before %.3f, cut to 0.05: %.3f (%llu throttled periods), after revert %.3f\n", before,
              during, static_cast<unsigned long long>(thr1->nr_throttled - thr0->nr_throttled), after);
}

TEST_F(NodeFaults, MemoryCutBelowAHogsSizeOomKillsTheHog) {
  up(R"(
[[node]]
name = "db"
memory = "256MiB"
)");
  ASSERT_TRUE(run_);
  auto hog = runtime::start_memory_hog(*run_, "db"_node, 64 * kMiB);
  ASSERT_TRUE(hog.ok()) << hog.error().message();
  ASSERT_NE(hog->hog(), nullptr);
  const runtime::ProcId hog_id = *hog->hog();
  EXPECT_TRUE(recorded(hog_id)) << "the hog is not in the journal";
  ASSERT_TRUE(eventually([&] { return cg("db").usage()->memory_bytes >= 64 * kMiB; }, 5000ms))
      << "the hog's memory is not charged to the node";
  const uint64_t oom0 = cg("db").usage()->oom_kills;

  const auto t0 = std::chrono::steady_clock::now();
  auto cut = runtime::cut_memory(*run_, "db"_node, 32 * kMiB);
  ASSERT_TRUE(cut.ok()) << cut.error().message();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(limits("db").memory_bytes, 32 * kMiB);
  EXPECT_TRUE(eventually([&] { return cg("db").usage()->oom_kills > oom0; }, 2000ms)) << "no OOM kill counted";
  EXPECT_TRUE(eventually([&] { return !runtime::is_alive(hog_id); }, 2000ms)) << "the hog survived the cut";
  EXPECT_LE(cg("db").usage()->memory_bytes, 32 * kMiB);
  std::printf("[ memory   ] cut 256 -> 32 MiB under a 64 MiB hog: applied in %.1f ms, %llu OOM kill(s)\n", ms,
              static_cast<unsigned long long>(cg("db").usage()->oom_kills - oom0));

  ASSERT_TRUE(cut->revert().ok());
  expect_planned("db");
  EXPECT_TRUE(hog->revert().ok()) << "ending a hog the kernel already killed";
}

TEST_F(NodeFaults, HogLargerThanACutNodeIsOomKilledAsItAllocates) {
  up(R"(
[[node]]
name = "db"
)");
  ASSERT_TRUE(run_);
  auto cut = runtime::cut_memory(*run_, "db"_node, 32 * kMiB);
  ASSERT_TRUE(cut.ok()) << cut.error().message();
  EXPECT_EQ(cut->origin(), 32 * kMiB) << "an unlimited, empty node has nothing to ramp down from";
  const uint64_t oom0 = cg("db").usage()->oom_kills;
  auto hog = runtime::start_memory_hog(*run_, "db"_node, 96 * kMiB);
  ASSERT_TRUE(hog.ok()) << hog.error().message();
  const runtime::ProcId hog_id = *hog->hog();
  EXPECT_TRUE(eventually([&] { return !runtime::is_alive(hog_id); }, 5000ms)) << "a 96 MiB hog lives under 32 MiB";
  EXPECT_GT(cg("db").usage()->oom_kills, oom0);
  hog->release();  // reaped with the run; nothing to end
  ASSERT_TRUE(cut->revert().ok());
  expect_planned("db");  // unlimited again
  EXPECT_EQ(limits("db").memory_bytes, 0u);
}

TEST_F(NodeFaults, PauseStopsTheNodesCpuCounterAndResumeRestartsIt) {
  up(kBusy);
  ASSERT_TRUE(run_);
  std::this_thread::sleep_for(200ms);
  auto pause = runtime::pause_node(*run_, "busy"_node);
  ASSERT_TRUE(pause.ok()) << pause.error().message();
  const double paused = cores("busy", 500ms);
  EXPECT_LT(paused, 0.005) << "a frozen loop still burns CPU";
  for (const auto& id : node_processes("busy")) EXPECT_TRUE(runtime::is_alive(id)) << "pause must not kill";
  ASSERT_TRUE(pause->revert().ok());
  const double resumed = cores("busy", 500ms);
  EXPECT_GT(resumed, 0.05) << "the loop did not continue";
  std::printf("[ pause    ] paused %.4f cores, resumed %.3f cores\n", paused, resumed);
  expect_planned("busy");

  // A pause forgotten without its revert: taking the run down must not wait
  // forever on a frozen process (a frozen task holds its SIGKILL).
  auto again = runtime::pause_node(*run_, "busy"_node);
  ASSERT_TRUE(again.ok()) << again.error().message();
  again->release();
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(run_->down().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s) << "down waited on the frozen node";
}

TEST_F(NodeFaults, KillEndsTheNodesProcessesAndRevertAndRestartStartNewOnes) {
  up(R"(
[[node]]
name = "svc"
command = "while :; do sleep 0.2; done"

[[node]]
name = "other"
command = "sleep 1000"
)");
  ASSERT_TRUE(run_);
  const auto holder = run_->holder("svc")->id();
  const auto other = node_processes("other");
  const auto first = node_processes("svc");
  ASSERT_EQ(first.size(), 1u);
  ASSERT_FALSE(cgroup_pids("svc").empty());

  auto kill = runtime::kill_node(*run_, "svc"_node);
  ASSERT_TRUE(kill.ok()) << kill.error().message();
  for (const auto& id : first) EXPECT_FALSE(runtime::is_alive(id)) << "pid " << id.pid << " survived the kill";
  EXPECT_TRUE(cgroup_pids("svc").empty()) << "children of the command survived";
  EXPECT_TRUE(node_processes("svc").empty());
  EXPECT_TRUE(runtime::is_alive(holder)) << "the kill took the node's namespaces";
  for (const auto& id : other) EXPECT_TRUE(runtime::is_alive(id)) << "another node's process died";

  ASSERT_TRUE(kill->revert().ok());
  const auto second = node_processes("svc");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second[0], first[0]);
  EXPECT_TRUE(runtime::is_alive(second[0]));
  EXPECT_TRUE(recorded(second[0])) << "the journal does not list the new process";
  EXPECT_TRUE(eventually([&] { return cgroup_pids("svc").size() >= 2; }, 2000ms)) << "the loop runs no sleep";

  ASSERT_TRUE(runtime::restart_node(*run_, "svc"_node).ok());
  const auto third = node_processes("svc");
  ASSERT_EQ(third.size(), 1u);
  EXPECT_NE(third[0], second[0]);
  EXPECT_FALSE(runtime::is_alive(second[0]));
  EXPECT_TRUE(runtime::is_alive(third[0]));
  EXPECT_TRUE(recorded(third[0]));
  EXPECT_TRUE(runtime::is_alive(holder));
  // The same command and log file: the log holds nothing but what it wrote.
  EXPECT_TRUE(fs::exists(dir_ / "logs"));
}

TEST_F(NodeFaults, HogsBurnAndHoldInsideTheNodeUnderItsLimits) {
  up(R"(
[[node]]
name = "capped"
cpu = 0.1

[[node]]
name = "free"
)");
  ASSERT_TRUE(run_);
  auto full = runtime::start_cpu_hog(*run_, "capped"_node, 1000);
  ASSERT_TRUE(full.ok()) << full.error().message();
  auto part = runtime::start_cpu_hog(*run_, "free"_node, 250);
  ASSERT_TRUE(part.ok()) << part.error().message();
  const runtime::ProcId full_id = *full->hog(), part_id = *part->hog();
  EXPECT_TRUE(recorded(full_id) && recorded(part_id)) << "hogs missing from the journal";

  // Inside the node: its cgroup and its network namespace.
  const auto pids = cgroup_pids("capped");
  EXPECT_NE(std::find(pids.begin(), pids.end(), full_id.pid), pids.end());
  EXPECT_EQ(runtime::ns_inode(full_id.pid, "net").value(), run_->holder("capped")->netns_inode());

  std::this_thread::sleep_for(200ms);
  auto u0c = cg("capped").usage(), u0f = cg("free").usage();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(1000ms);
  auto u1c = cg("capped").usage(), u1f = cg("free").usage();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double capped = (u1c->cpu_usage_ns - u0c->cpu_usage_ns) / 1e9 / secs;
  const double free = (u1f->cpu_usage_ns - u0f->cpu_usage_ns) / 1e9 / secs;
  EXPECT_LE(capped, 0.115) << "a 1-core hog beat the node's 0.1 quota";
  EXPECT_GE(capped, 0.05);
  EXPECT_GE(u1c->nr_throttled - u0c->nr_throttled, 5u) << "the node's quota never throttled the hog";
  EXPECT_GE(free, 0.12) << "a 0.25-core hog burned too little";
  EXPECT_LE(free, 0.3) << "a 0.25-core hog burned too much";
  std::printf("[ hogs     ] 1-core hog under a 0.1 quota: %.3f cores; 0.25-core hog: %.3f cores\n", capped, free);

  ASSERT_TRUE(full->revert().ok());
  ASSERT_TRUE(part->revert().ok());
  EXPECT_FALSE(runtime::is_alive(full_id));
  EXPECT_FALSE(runtime::is_alive(part_id));
  EXPECT_TRUE(cgroup_pids("capped").empty());
  EXPECT_LT(cores("free", 300ms), 0.01);
  expect_planned("capped");
  expect_planned("free");
}

TEST_F(NodeFaults, DroppedFaultsRevertAndAFailedPartUndoesTheRest) {
  up(kBusy);
  ASSERT_TRUE(run_);
  model::Fault f;
  f.target.kind = model::FaultTarget::Kind::kNode;
  f.target.node = "busy"_node;
  f.cpu_millicores = 250;
  f.memory_bytes = 96 * kMiB;
  {
    auto applied = runtime::apply_node_fault(*run_, f);
    ASSERT_TRUE(applied.ok()) << applied.error().message();
    ASSERT_EQ(applied->size(), 2u);
    EXPECT_EQ(limits("busy").cpu_millicores, 250u);
    EXPECT_EQ(limits("busy").memory_bytes, 96 * kMiB);
  }  // an early return: the destructors revert
  expect_planned("busy");

  {
    model::Fault p = f;
    p.cpu_millicores.reset();
    p.memory_bytes.reset();
    p.action = model::Fault::Action::kPause;
    auto applied = runtime::apply_node_fault(*run_, p);
    ASSERT_TRUE(applied.ok()) << applied.error().message();
    EXPECT_LT(cores("busy", 300ms), 0.005);
  }
  EXPECT_GT(cores("busy", 300ms), 0.05) << "a dropped pause left the node frozen";

  // The hog part fails (no faultline-hog there): the CPU cut already made goes back.
  model::Fault h = f;
  h.memory_bytes.reset();
  h.action = model::Fault::Action::kCpuHog;
  h.hog_millicores = 500;
  ::setenv("FAULTLINE_HOG", "/nonexistent/faultline-hog", 1);
  auto failed = runtime::apply_node_fault(*run_, h);
  ::unsetenv("FAULTLINE_HOG");
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message().find("FAULTLINE_HOG"), std::string::npos) << failed.error().message();
  expect_planned("busy");

  // With a ramp, cpu and memory start where the node is (its plan) and step to the fault's values.
  model::Fault r = f;
  r.ramp_ns = 1'000'000'000;
  auto ramped = runtime::apply_node_fault(*run_, r);
  ASSERT_TRUE(ramped.ok()) << ramped.error().message();
  expect_planned("busy");
  for (auto& a : ramped.value()) ASSERT_TRUE(a.ramp(1.0).ok()) << a.describe();
  EXPECT_EQ(limits("busy").cpu_millicores, 250u);
  EXPECT_EQ(limits("busy").memory_bytes, 96 * kMiB);
  for (auto& a : ramped.value()) ASSERT_TRUE(a.revert().ok()) << a.describe();
  expect_planned("busy");
}

namespace {

// Nodes a and b on one link, with the link's extra keys.
std::string two_nodes(const std::string& link_keys) {
  return "[[node]]\nname = \"a\"\n[[node]]\nname = \"b\"\n[[link]]\nbetween = [\"a\", \"b\"]\n" + link_keys;
}

}  // namespace

// A partitioned node is cut off from every other node, and reached again on revert.
class NodePartition : public NodeFaults {
 protected:
  void cuts_off_and_heals(const std::string& toml) {
    up(toml.c_str(), /*partitions=*/true);
    ASSERT_TRUE(run_);
    auto ping = [&] {
      auto e = run_->entry("a");
      EXPECT_TRUE(e.ok());
      runtime::SpawnOptions so;
      so.log_path = (dir_ / "ping.log").string();
      auto p = runtime::NodeProcess::spawn(e.value(), {"ping", "-c", "1", "-W", "1", "b"}, so);
      EXPECT_TRUE(p.ok());
      return p.ok() && p->wait() == 0;
    };
    ASSERT_TRUE(ping()) << "no connectivity before the fault";
    auto part = runtime::partition_node(*run_, "b"_node);
    if (!part.ok() && part.error().err == EOPNOTSUPP) GTEST_SKIP() << part.error().message();
    ASSERT_TRUE(part.ok()) << part.error().message();
    EXPECT_FALSE(ping()) << "the partition let a ping through";
    ASSERT_TRUE(part->revert().ok());
    EXPECT_TRUE(ping()) << "the revert did not heal";
  }
};

TEST_F(NodePartition, CutsTheNodeOffAndHealsOnRevert) { cuts_off_and_heals(two_nodes("")); }

// The link engine runs in the fabric namespace, which has a cgroup but is no
// node: partitioning a node cuts it from the nodes only (CrashPoints found
// the fault refused with "no node 'fabric'").
TEST_F(NodePartition, OfARunWithTheLinkEngineCutsTheNodeOffAndHeals) {
  cuts_off_and_heals(two_nodes("delay = \"1ms\"\n"));
}
