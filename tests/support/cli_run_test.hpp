// SPDX-License-Identifier: Apache-2.0
// A fixture for tests that drive the faultline CLI as a user does. Each test
// gets its own state root and run name, so tests run in parallel and
// `cleanup` in one test never sees another's runs; TearDown takes the run
// down and checks the kernel is back to its baseline.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "orchestrator/runtime/state.hpp"
#include "tests/support/kernel_snapshot.hpp"
#include "tests/support/timing.hpp"

namespace faultline::testing {

// Two nodes and a link that the run can change live (it has an impairment,
// so the link engine or kernel netem carries it): the smallest run with
// something to fault.
inline constexpr const char* kTwoNodesOneLink = R"(
[experiment]
name = "two"

[[node]]
name = "a"

[[node]]
name = "b"

[[link]]
between = ["a", "b"]
delay = "1ms"
)";

class CliRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: namespaces, netlink, cgroups and tc";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("fl-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    ::setenv("FAULTLINE_STATE_DIR", (dir_ / "state").c_str(), 1);
    run_ = "t" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
    links_before_ = host_links();
  }
  void TearDown() override {
    if (::geteuid() != 0) return;
    // Whatever a failed assertion left: take it down, then check the baseline.
    run_cmd(cli("down " + run_));
    EXPECT_TRUE(host_links_added(links_before_).empty()) << "host interfaces left behind";
    EXPECT_TRUE(existing_cgroup_dirs("faultline/" + run_).empty()) << "cgroups of the run left behind";
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    ::unsetenv("FAULTLINE_STATE_DIR");
  }
  // The CLI from the build tree, or FAULTLINE_BIN (the VM tier's copy).
  std::string cli(const std::string& args) const {
    const char* bin = std::getenv("FAULTLINE_BIN");
    const std::string exe = bin && *bin ? bin : std::string(FL_BINARY_DIR) + "/orchestrator/faultline";
    return "FAULTLINE_STATE_DIR=" + (dir_ / "state").string() + " " + exe + " " + args;
  }
  // The CLI started in the background, in its own process group, its output
  // discarded; the pid is the CLI's own (exec'd by the shell).
  pid_t spawn_cli(const std::string& args) const {
    const std::string cmd = "exec env " + cli(args) + " >/dev/null 2>&1";
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
      ::_exit(127);
    }
    return pid;
  }
  // Timing tolerance: software emulation (the VM tier) and instrumented
  // builds add scheduling noise; correctness checks stay as strict everywhere.
  static double tol(double host) { return test::timing_tolerance(host); }
  std::string write_topology(const std::string& body) const {
    const auto p = dir_ / "topo.toml";
    std::ofstream(p) << body;
    return p.string();
  }
  // `faultline up` of the topology text; the run is `run_`.
  std::string up(const std::string& body) {
    const auto r =
        run_cmd(cli("up --name " + run_ + " --logs " + (dir_ / "logs").string() + " " + write_topology(body)));
    EXPECT_EQ(r.status, 0) << r.out;
    return r.out;
  }
  runtime::RunState state() const {
    auto st = runtime::read_run(run_);
    EXPECT_TRUE(st.ok()) << st.error().message();
    return st.ok() ? st.value() : runtime::RunState{};
  }

  std::filesystem::path dir_;
  std::string run_;
  std::set<std::string> links_before_;
  static inline int counter_ = 0;
};

}  // namespace faultline::testing
