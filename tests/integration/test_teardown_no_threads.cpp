// SPDX-License-Identifier: Apache-2.0
// Teardown that promises not to throw starts no thread it cannot do without.
// A forked child brings a run up (with a partition filter, whose removal
// needs the node's namespace), then joins a cgroup whose pids limit is
// already reached, so that the kernel refuses every new thread (EAGAIN), and
// takes the run down: ~Run (Run::down) and the filter's detach must finish
// without a thread, not terminate the process. The kernel is checked back at
// its baseline afterwards: no run cgroups, no state folder, no namespaces of
// the run, no host interfaces. And `up` in a process that can start no task
// at all returns the refusal and leaves nothing behind.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "orchestrator/model/loader.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/probe.hpp"
#include "orchestrator/runtime/run.hpp"
#include "orchestrator/runtime/state.hpp"
#include "tests/support/kernel_snapshot.hpp"

using namespace faultline::model::literals;

using namespace faultline;
namespace fs = std::filesystem;

namespace {

const char* kTopo = R"(
[[node]]
name = "a"
[[node]]
name = "b"
[[node]]
name = "c"
[[link]]
between = ["a", "b"]
[[segment]]
name = "lan"
members = ["a", "b", "c"]
)";

// Exit codes of the child: what went wrong before the teardown under test.
enum ChildExit { kDownOk = 0, kDownFailed = 1, kNoUp = 10, kNoPartition = 11, kNoJoin = 12, kThreadsStillStart = 13 };

void* nothing(void*) { return nullptr; }

// A run's plan, a state folder of its own, and a cgroup that holds one task
// at most (pids.max = 1): a child that joins it can start no thread and no
// process. TearDown checks the kernel is back at its baseline.
class NoNewTasks : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: namespaces, cgroups, BPF";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    name_ = "nt" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
    dir_ = fs::temp_directory_path() / ("fl-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    ::setenv("FAULTLINE_STATE_DIR", (dir_ / "state").c_str(), 1);
    links_before_ = faultline::testing::host_links();
    auto layout = runtime::CgroupLayout::probe();
    ASSERT_TRUE(layout.ok()) << layout.error().message();
    auto limit = runtime::Cgroup::create(layout.value(), "faultline-test-" + name_);
    ASSERT_TRUE(limit.ok()) << limit.error().message();
    limit_ = std::move(limit.value());
    ASSERT_TRUE(limit_.set_pids(1).ok());
    auto join = limit_.open_procs_for_join();
    ASSERT_TRUE(join.ok()) << join.error().message();
    join_ = std::move(join.value());
    for (const auto& fd : join_) join_fds_.push_back(fd.get());
    auto lr = model::load_string(kTopo, "nothreads.toml");
    ASSERT_TRUE(lr.topology) << lr.errors.front().str();
    plan_ = plan::make_plan(*lr.topology, name_);
    opts_.file = "nothreads.toml";
    opts_.log_dir = (dir_ / "logs").string();
  }
  void TearDown() override {
    if (::geteuid() != 0) return;
    EXPECT_TRUE(faultline::testing::existing_cgroup_dirs("faultline/" + name_).empty()) << "cgroups of the run left behind";
    EXPECT_FALSE(fs::exists(runtime::run_dir(name_))) << "state folder left";
    EXPECT_TRUE(faultline::testing::host_links_added(links_before_).empty()) << "host interfaces left behind";
    EXPECT_TRUE(limit_.destroy().ok());
    std::error_code ec;
    fs::remove_all(dir_, ec);
    ::unsetenv("FAULTLINE_STATE_DIR");
  }
  // In the child: into the cgroup whose limit is reached.
  bool join_limit() { return runtime::cgroup_join_self(join_fds_.data(), static_cast<int>(join_fds_.size())) == 0; }

  std::string name_;
  fs::path dir_;
  std::set<std::string> links_before_;
  runtime::Cgroup limit_;
  std::vector<UniqueFd> join_;
  std::vector<int> join_fds_;
  plan::Plan plan_;
  runtime::RunOptions opts_;
  static inline int counter_ = 0;
};

}  // namespace

TEST_F(NoNewTasks, RunDownCompletesWhenNoThreadCanStart) {
  const auto probe = runtime::probe_kernel();
  opts_.clsact_bpf = probe.has_clsact_bpf();
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipefd[0]);
    auto run = runtime::Run::up(plan_, opts_);
    if (!run.ok()) {
      std::fprintf(stderr, "up: %s\n", run.error().message().c_str());
      ::_exit(kNoUp);
    }
    // A partition filter on b and c: detaching it acts in their namespaces.
    if (opts_.clsact_bpf) {
      runtime::PartitionSpec p;
      p.from = {"a"_node};
      p.to = {"b"_node, "c"_node};
      if (!run.value()->links()->partition(p).ok()) ::_exit(kNoPartition);
    }
    // The namespaces, for the parent to check they are gone.
    for (const char* n : {"a", "b", "c", "fabric"}) {
      auto* h = run.value()->holder(n);
      if (!h) continue;
      const auto ref = faultline::testing::netns_ref(h->netns_fd());
      ::dprintf(pipefd[1], "%llu %llu\n", static_cast<unsigned long long>(ref.ino),
                   static_cast<unsigned long long>(ref.cookie));
    }
    ::close(pipefd[1]);
    if (!join_limit()) ::_exit(kNoJoin);
    pthread_t t;
    if (::pthread_create(&t, nullptr, nothing, nullptr) == 0) {
      ::pthread_join(t, nullptr);
      ::_exit(kThreadsStillStart);
    }
    const Status st = run.value()->down();
    if (!st.ok()) std::fprintf(stderr, "down: %s\n", st.error().message().c_str());
    run.value().reset();  // ~Run: nothing left to do, and nothing to throw
    ::_exit(st.ok() ? kDownOk : kDownFailed);
  }
  ::close(pipefd[1]);
  std::vector<faultline::testing::NetnsRef> namespaces;
  {
    FILE* in = ::fdopen(pipefd[0], "r");
    unsigned long long ino = 0, cookie = 0;
    while (std::fscanf(in, "%llu %llu", &ino, &cookie) == 2) namespaces.push_back({ino, cookie});
    std::fclose(in);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status)
                                 << " (SIGABRT: a thread that could not start ended the teardown)";
  EXPECT_NE(WEXITSTATUS(status), kThreadsStillStart) << "the pids limit did not stop new threads";
  EXPECT_EQ(WEXITSTATUS(status), kDownOk);
  EXPECT_EQ(namespaces.size(), 4u);
  for (const auto& ns : namespaces) EXPECT_FALSE(faultline::testing::netns_held(ns)) << "netns " << ns.ino << " left";
}

// `up` in a process that can start no task at all: the first namespace
// holder cannot be cloned, up returns the kernel's refusal (no exception, no
// abort), and what it had made (journal, log folder, nothing in the kernel)
// is gone.
TEST_F(NoNewTasks, UpThatCannotStartIsUndoneEntirely) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (!join_limit()) ::_exit(kNoJoin);
    auto run = runtime::Run::up(plan_, opts_);
    if (run.ok()) ::_exit(kThreadsStillStart);
    std::fprintf(stderr, "up refused as expected: %s\n", run.error().message().c_str());
    ::_exit(run.error().err == EAGAIN ? kDownOk : kDownFailed);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "up died of signal " << WTERMSIG(status);
  EXPECT_NE(WEXITSTATUS(status), kThreadsStillStart) << "up came up under a pids limit of 1";
  EXPECT_EQ(WEXITSTATUS(status), kDownOk) << "up did not return the kernel's EAGAIN";
}
