// SPDX-License-Identifier: Apache-2.0
// Repetition: what a run leaves must not pile up. 100 up/down cycles in one
// process (runtime::Run, as `faultline run` drives it), 100 through the CLI,
// and 20 back-to-back experiments in one `faultline run --repeat 20`: no
// growth in file descriptors, threads or memory of the process that holds
// the runs, and the kernel (namespaces, links, qdiscs, BPF programs, cgroups,
// processes, mounts) and the state folder as they were before.
//
// Scenario tier: the kernel comparison is of the whole box.
#include <gtest/gtest.h>
#include <dirent.h>
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "orchestrator/model/loader.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/binaries.hpp"
#include "orchestrator/runtime/links.hpp"
#include "orchestrator/runtime/probe.hpp"
#include "orchestrator/runtime/run.hpp"
#include "orchestrator/runtime/state.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/kernel_baseline.hpp"
#include "tests/support/kernel_snapshot.hpp"

using namespace faultline::model::literals;

using namespace faultline;
using namespace faultline::testing;
namespace fs = std::filesystem;

namespace {

// What a process holds: open fds, threads, resident memory.
struct Usage {
  int fds = -1, threads = -1;
  long rss_kib = -1;
  std::set<std::string> fd_targets;  // "N=what fd N refers to"
  std::string str() const {
    return std::to_string(fds) + " fds, " + std::to_string(threads) + " threads, " + std::to_string(rss_kib) +
           " KiB resident";
  }
};

Usage usage_of(pid_t pid) {
  Usage u;
  const std::string base = "/proc/" + std::to_string(pid);
  if (DIR* d = ::opendir((base + "/fd").c_str())) {
    u.fds = 0;
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      ++u.fds;
      char target[256] = {};
      const ssize_t n = ::readlink((base + "/fd/" + e->d_name).c_str(), target, sizeof target - 1);
      u.fd_targets.insert(std::string(e->d_name) + "=" + (n > 0 ? std::string(target, n) : "?"));
    }
    ::closedir(d);
    if (pid == ::getpid()) --u.fds;  // the one opendir itself holds
  }
  std::ifstream st(base + "/status");
  for (std::string line; std::getline(st, line);) {
    if (line.rfind("Threads:", 0) == 0) u.threads = std::atoi(line.c_str() + 8);
    if (line.rfind("VmRSS:", 0) == 0) u.rss_kib = std::atol(line.c_str() + 6);
    if (line.rfind("State:", 0) == 0 && line.find("Z (zombie)") != std::string::npos) return Usage{};  // holds nothing
  }
  return u;
}

// What a process held throughout a window of samples: the fds open in every
// sample (a file read for a moment, or one a single repeat writes, is not in
// all of them; a leaked fd stays in every sample after the leak), the
// fewest threads, the memory as last read.
struct Held {
  std::set<std::string> fds;
  int threads = -1, samples = 0;
  long rss_kib = -1;
  void add(const Usage& u) {
    if (u.fds < 0) return;
    if (samples++ == 0) {
      fds = u.fd_targets;
    } else {
      std::set<std::string> both;
      for (const auto& f : u.fd_targets)
        if (fds.count(f)) both.insert(f);
      fds = std::move(both);
    }
    if (threads < 0 || u.threads < threads) threads = u.threads;
    rss_kib = u.rss_kib;
  }
};

// Two nodes on a link the link engine carries, a service in one and its load
// in the other: a cycle makes namespaces, veths, cgroups, the engine process,
// two workload processes, and (in process) a BPF partition filter.
// Run names of this test process begin with this (the other runs on the box
// are not the test's to compare).
std::string prefix(const char* what) { return what + std::to_string(::getpid() % 100000) + "-"; }

std::string pair(const std::string& experiment_keys = "", const std::string& faults = "") {
  return "[experiment]\nname = \"rep" + std::to_string(::getpid() % 100000) + "\"\n" + experiment_keys + R"(
[[node]]
name = "a"
service = [{ port = 80 }]

[[node]]
name = "b"
cpu = 0.5
load = { target = "a:80", rate = 20 }

[[link]]
between = ["a", "b"]
delay = "1ms"
)" + faults;
}

class Repetition : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: namespaces, netlink, cgroups, BPF";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("fl-rep-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "state");
    state_ = (dir_ / "state").string();
    ::setenv("FAULTLINE_STATE_DIR", state_.c_str(), 1);
  }
  void TearDown() override {
    if (::geteuid() != 0) return;
    // A cycle that failed may have left a run up: down it from its journal.
    for (const auto& r : runtime::list_runs()) (void)run_cmd(cli("down " + r.run));
    std::error_code ec;
    if (fs::is_empty(state_, ec)) fs::remove_all(dir_, ec);
    ::unsetenv("FAULTLINE_STATE_DIR");
  }
  std::string cli(const std::string& args) const {
    return "FAULTLINE_STATE_DIR=" + state_ + " " + faultline_exe() + " " + args;
  }
  fs::path dir_;
  std::string state_;
};

}  // namespace

// runtime::Run::up/down 100 times in this process, with a partition filter
// (a BPF program) attached and healed, and one left for down() to remove.
// Fds and threads must come back exactly. Resident memory may grow by at most
// 2 MiB: glibc keeps freed memory in the arenas of the threads up() uses (the
// cgroup thread, the netns helper threads) and does not return it all to the
// kernel (malloc_trim before each reading narrows this); a leak of one
// Run (its plan, maps, journal) per cycle would show as several MiB over 100.
TEST_F(Repetition, HundredRunUpDownCyclesInOneProcessGrowNothing) {
  Subreaper subreaper;
  auto lr = model::load_string(pair(), "pair.toml");
  ASSERT_TRUE(lr.topology) << (lr.errors.empty() ? "" : lr.errors.front().str());
  const auto probe = runtime::probe_kernel();
  runtime::RunOptions ro;
  ro.file = "pair.toml";
  ro.log_dir = (dir_ / "logs").string();
  ro.clsact_bpf = probe.has_clsact_bpf();
  auto service = runtime::find_binary(runtime::kServiceBinary);
  ASSERT_TRUE(service.ok()) << service.error().message();
  auto loadgen = runtime::find_binary(runtime::kLoadgenBinary);
  ASSERT_TRUE(loadgen.ok()) << loadgen.error().message();

  auto cycle = [&](int i) {
    const std::string name = prefix("rp") + std::to_string(i);
    plan::PlanOptions po;
    po.service_binary = service.value();
    po.loadgen_binary = loadgen.value();
    po.config_dir = runtime::run_dir(name) + "/" + plan::kWorkloadDir;
    const auto plan = plan::make_plan(*lr.topology, name, po);
    auto run = runtime::Run::up(plan, ro);
    ASSERT_TRUE(run.ok()) << "cycle " << i << ": " << run.error().message();
    if (ro.clsact_bpf) {
      auto* lc = run.value()->links();
      ASSERT_NE(lc, nullptr);
      auto id = lc->partition({{"b"_node}, {"a"_node}});
      ASSERT_TRUE(id.ok()) << id.error().message();
      ASSERT_TRUE(lc->heal(id.value()).ok());
      ASSERT_TRUE(lc->partition({{"a"_node}, {"b"_node}}).ok());
    }
    const Status down = run.value()->down();
    ASSERT_TRUE(down.ok()) << "cycle " << i << ": " << down.error().message();
  };

  // Warm-up cycles: first-use allocations (libnl and libbpf caches, the
  // cgroup layout, thread stacks) are not growth.
  for (int i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(cycle(i));
  reap_orphans();
  const auto kernel_before = KernelBaseline::take(state_, {prefix("rp")});
  ::malloc_trim(0);
  const Usage before = usage_of(::getpid());
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 3; i < 103; ++i) ASSERT_NO_FATAL_FAILURE(cycle(i));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  reap_orphans();
  ::malloc_trim(0);
  const Usage after = usage_of(::getpid());
  std::printf("100 Run::up/down cycles in %.1f s; before: %s; after: %s\n", secs, before.str().c_str(),
              after.str().c_str());
  EXPECT_EQ(after.fds, before.fds) << "file descriptors leaked";
  EXPECT_EQ(after.threads, before.threads) << "threads leaked";
  EXPECT_LE(after.rss_kib - before.rss_kib, 2048) << "resident memory grew";
  const std::string left = KernelBaseline::settle(kernel_before, state_, 10'000, nullptr, {prefix("rp")});
  EXPECT_TRUE(left.empty()) << "left behind after 100 cycles:\n" << left;
}

// 100 x `faultline up` + `faultline down`: nothing persists from one cycle
// to the next (kernel objects, state folder), and each owner holds the same
// number of fds and threads on cycle 100 as on cycle 1 (an owner that reads
// something growing at start, e.g. an ever longer state root, would not).
TEST_F(Repetition, HundredCliUpDownCyclesLeaveNothing) {
  Subreaper subreaper;
  const auto file = (dir_ / "pair.toml").string();
  std::ofstream(file) << pair();
  const auto kernel_before = KernelBaseline::take(state_, {prefix("rc")});
  Usage first, last;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) {
    const std::string name = prefix("rc") + std::to_string(i);
    const auto up = run_cmd(cli("up --name " + name + " --logs " + (dir_ / "logs").string() + " " + file));
    ASSERT_EQ(up.status, 0) << "cycle " << i << ": " << up.out;
    auto st = runtime::read_run(name);
    ASSERT_TRUE(st.ok());
    const Usage u = usage_of(st->owner.pid);
    if (i == 0) first = u;
    last = u;
    const auto down = run_cmd(cli("down " + name));
    ASSERT_EQ(down.status, 0) << "cycle " << i << ": " << down.out;
    reap_orphans();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("100 CLI up/down cycles in %.1f s; owner on cycle 1: %s; on cycle 100: %s\n", secs,
              first.str().c_str(), last.str().c_str());
  EXPECT_EQ(last.fds, first.fds);
  EXPECT_EQ(last.threads, first.threads);
  const std::string left = KernelBaseline::settle(kernel_before, state_, 10'000, nullptr, {prefix("rc")});
  EXPECT_TRUE(left.empty()) << "left behind after 100 cycles:\n" << left;
}

// `faultline run --repeat 20`: twenty short experiments back to back in one
// process, each with a fault applied and reverted. From the second repeat
// on (the first pays first-use costs) it must hold no more fds or threads,
// and its memory may grow by at most
// 4 MiB (see above for the allocator; the run also keeps each repeat's
// summary for the final comparison table, a few KiB each).
TEST_F(Repetition, TwentyBackToBackRunsGrowNothing) {
  Subreaper subreaper;
  const auto file = (dir_ / "exp.toml").string();
  std::ofstream(file) << pair("tick = \"100ms\"\nwarmup = \"200ms\"\nbaseline = \"300ms\"\nduration = \"1200ms\"\n"
                              "horizon = \"500ms\"\nmetrics_port = " +
                                  std::to_string(20000 + (::getpid() * 7 + 5) % 20000) + "\n",
                              "\n[[fault]]\nat = \"500ms\"\nfor = \"500ms\"\ntarget = \"link:a-b\"\ndelay = \"20ms\"\n");
  const auto kernel_before = KernelBaseline::take(state_, {"rep" + std::to_string(::getpid() % 100000)});
  CliProcess run = CliProcess::start({"run", file, "--repeat", "20", "--out", (dir_ / "out").string(), "-q"}, state_);
  // The process is sampled every few ms through repeats 2-5 and 17-20 and
  // what it held throughout each window is compared: what nodes coming up
  // read for a moment (/proc/self/mountinfo can wait tens of ms on the
  // kernel's namespace lock while the previous run's mounts go) and each
  // repeat's own event log are in neither; an fd leaked in between is in
  // the second only.
  Held early, late;
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 1; r <= 20; ++r) {
    ASSERT_TRUE(run.wait_for_output("repeat " + std::to_string(r) + "/20", 60'000)) << run.output();
    Held* window = r >= 2 && r <= 5 ? &early : r >= 17 ? &late : nullptr;
    if (window == nullptr) continue;
    const std::string next = r < 20 ? "repeat " + std::to_string(r + 1) + "/20" : "out/base/19";
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!run.wait_for_output(next, 3) && !run.exited() && std::chrono::steady_clock::now() < give_up)
      window->add(usage_of(run.pid()));
  }
  const int status = run.wait();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(WIFEXITED(status)) << run.output();
  EXPECT_TRUE(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1) << run.output();
  const auto list = [](const std::set<std::string>& fds) {
    std::string out;
    for (const auto& f : fds) out += f + " ";
    return out;
  };
  std::printf("20 runs in %.1f s; held through repeats 2-5 (%d samples): %zu fds, %d threads, %ld KiB resident; "
              "through 17-20 (%d samples): %zu fds, %d threads, %ld KiB resident\n",
              secs, early.samples, early.fds.size(), early.threads, early.rss_kib, late.samples, late.fds.size(),
              late.threads, late.rss_kib);
  ASSERT_GT(early.samples, 10);
  ASSERT_GT(late.samples, 10);
  std::set<std::string> grown;
  for (const auto& f : late.fds)
    if (!early.fds.count(f)) grown.insert(f);
  EXPECT_TRUE(grown.empty()) << "fds leaked: " << list(grown) << "\nheld through repeats 2-5: " << list(early.fds)
                             << "\nthrough 17-20: " << list(late.fds);
  EXPECT_EQ(late.threads, early.threads);
  EXPECT_LE(late.rss_kib - early.rss_kib, 4096);
  reap_orphans();
  const std::string left = KernelBaseline::settle(kernel_before, state_, 10'000, nullptr, {"rep" + std::to_string(::getpid() % 100000)});
  EXPECT_TRUE(left.empty()) << "left behind after 20 runs:\n" << left;
}
