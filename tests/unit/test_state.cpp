// SPDX-License-Identifier: Apache-2.0
// The run journal: what cleanup reads after a crash, including a torn last line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "orchestrator/runtime/cleanup.hpp"
#include "orchestrator/runtime/state.hpp"

using namespace faultline;
namespace fs = std::filesystem;

class State : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("fl-state-" + std::to_string(::getpid()));
    fs::create_directories(root_);
    ::setenv("FAULTLINE_STATE_DIR", root_.c_str(), 1);
  }
  void TearDown() override {
    fs::remove_all(root_);
    ::unsetenv("FAULTLINE_STATE_DIR");
  }
  fs::path root_;
};

TEST_F(State, JournalRecordsReadBackInOrder) {
  auto j = runtime::Journal::create("r1");
  ASSERT_TRUE(j.ok()) << j.error().message();
  ASSERT_TRUE(j->run_started("/x.toml", true, {"a", "b"}).ok());
  ASSERT_TRUE(j->cgroup("faultline/r1").ok());
  ASSERT_TRUE(j->cgroup("faultline/r1/a").ok());
  ASSERT_TRUE(j->holder({"a", {4242, 99}, 7}).ok());
  ASSERT_TRUE(j->process({"a", "command", {4343, 100}}).ok());
  ASSERT_TRUE(j->ready().ok());
  auto st = runtime::read_run("r1");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->file, "/x.toml");
  EXPECT_TRUE(st->persistent);
  EXPECT_EQ(st->owner.pid, ::getpid());
  EXPECT_TRUE(st->owner_alive());
  EXPECT_EQ(st->nodes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(st->cgroups, (std::vector<std::string>{"faultline/r1", "faultline/r1/a"}));
  ASSERT_EQ(st->holders.size(), 1u);
  EXPECT_EQ(st->holders[0].id.pid, 4242);
  EXPECT_EQ(st->holders[0].id.start_time, 99u);
  EXPECT_EQ(st->holders[0].netns_inode, 7u);
  ASSERT_EQ(st->processes.size(), 1u);
  EXPECT_TRUE(st->ready);
}

TEST_F(State, TornLastLineIsIgnored) {
  auto j = runtime::Journal::create("r2");
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE(j->run_started("/x.toml", false, {"a"}).ok());
  ASSERT_TRUE(j->cgroup("faultline/r2").ok());
  std::ofstream(root_ / "r2" / "state.jsonl", std::ios::app) << R"({"type":"cgroup","pa)";
  auto st = runtime::read_run("r2");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->cgroups.size(), 1u);
}

TEST_F(State, RunNamesAreCheckedAndTaken) {
  EXPECT_TRUE(runtime::valid_run_name("retry-storm-2"));
  EXPECT_FALSE(runtime::valid_run_name("../etc"));
  EXPECT_FALSE(runtime::valid_run_name("Upper"));
  EXPECT_FALSE(runtime::valid_run_name(""));
  ASSERT_TRUE(runtime::Journal::create("r3").ok());
  auto again = runtime::Journal::create("r3");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().err, EEXIST);
  EXPECT_EQ(runtime::list_runs().size(), 1u);
  EXPECT_TRUE(runtime::remove_run_dir("r3").ok());
  EXPECT_TRUE(runtime::list_runs().empty());
}

// An owner killed between creating the run folder and writing its journal
// leaves the folder alone: it is a run whose owner is dead (listed, so that
// `status` shows it), and cleanup removes it, so the name can be used again.
TEST_F(State, RunFolderWithoutAJournalIsADeadRunThatCleanupRemoves) {
  fs::create_directories(root_ / "r4");
  auto st = runtime::read_run("r4");
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_FALSE(st->owner_alive());
  ASSERT_EQ(runtime::list_runs().size(), 1u);
  const auto reps = runtime::cleanup_dead_runs();
  ASSERT_EQ(reps.size(), 1u);
  EXPECT_TRUE(reps[0].errors.empty()) << reps[0].errors.front();
  EXPECT_FALSE(fs::exists(root_ / "r4"));
  EXPECT_TRUE(runtime::Journal::create("r4").ok()) << "the name is free again";
  EXPECT_FALSE(runtime::read_run("r5").ok()) << "a run that does not exist is still unknown";
}
