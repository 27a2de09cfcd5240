// SPDX-License-Identifier: Apache-2.0
// Topology input through the CLI as a user gives it: a device, a directory or
// an oversized file is refused at once with exit 2, naming the file and the
// limit, and nothing is created; "-" reads standard input (named <stdin>),
// bounded the same way; a pipe from process substitution is read.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "orchestrator/runtime/state.hpp"
#include "tests/support/cli_run_test.hpp"

using namespace faultline;
using namespace faultline::testing;
namespace fs = std::filesystem;

namespace {

const char* kOneNode = R"(
[experiment]
name = "input"

[[node]]
name = "solo"
)";

class CliInput : public CliRunTest {
 protected:
  // Bounded: a CLI that reads /dev/zero forever fails the test (124) instead of hanging it.
  CommandResult faultline(const std::string& args) { return run_cmd("timeout 30 env " + cli(args)); }
  std::string big_file() const {
    const auto p = dir_ / "big.toml";
    std::ofstream(p) << kOneNode;
    fs::resize_file(p, (size_t{4} << 20) + 1);
    return p.string();
  }
  void expect_nothing_created() {
    EXPECT_FALSE(fs::exists(runtime::run_dir(run_))) << "a state folder was created";
    EXPECT_TRUE(runtime::list_runs().empty());
    EXPECT_TRUE(existing_cgroup_dirs("faultline/" + run_).empty());
  }
};

TEST_F(CliInput, DeviceDirectoryAndOversizedFileAreRefusedByName) {
  auto r = faultline("validate /dev/zero");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("/dev/zero:1:1: error: cannot read the topology: it is a character device"), std::string::npos)
      << r.out;

  r = faultline("validate " + dir_.string());
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find(dir_.string() + ":1:1: error: cannot read the topology: it is a directory"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("no nodes"), std::string::npos) << r.out;

  const std::string big = big_file();
  r = faultline("plan " + big);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find(big + ":1:1: error: the topology is larger than 4MiB (4194304 bytes)"), std::string::npos)
      << r.out;
}

TEST_F(CliInput, UpAndRunRefuseUnreadableInputAndCreateNothing) {
  for (const std::string& args :
       {"up --name " + run_ + " /dev/zero", "up --name " + run_ + " " + dir_.string(),
        "up --name " + run_ + " - </dev/zero", "run --name " + run_ + " --out " + (dir_ / "out").string() + " " + big_file()}) {
    const auto r = faultline(args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find("nothing was created"), std::string::npos) << r.out;
    expect_nothing_created();
  }
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(CliInput, DashReadsStandardInput) {
  const std::string topo = write_topology(kOneNode);
  auto r = faultline("validate - <" + topo);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out.rfind("<stdin>: ok: 1 nodes", 0), 0u) << r.out;

  r = run_cmd("cat " + topo + " | timeout 30 env " + cli("plan --name " + run_ + " -"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("solo"), std::string::npos) << r.out;

  r = run_cmd("printf '[[node]]\\nname = \"a\\n' | timeout 30 env " + cli("validate -"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("<stdin>:2:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("error(s) in <stdin>"), std::string::npos) << r.out;

  r = faultline("validate - </dev/zero");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("<stdin>:1:1: error: the topology is larger than 4MiB"), std::string::npos) << r.out;
}

TEST_F(CliInput, ProcessSubstitutionPipeIsRead) {
  const std::string topo = write_topology(kOneNode);
  const auto r = run_cmd("bash -c 'timeout 30 env " + cli("validate <(cat " + topo + ")") + "'");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(": ok: 1 nodes"), std::string::npos) << r.out;
}

TEST_F(CliInput, UpFromStandardInputRecordsStdin) {
  const std::string topo = write_topology(kOneNode);
  const auto r = faultline("up --name " + run_ + " --logs " + (dir_ / "logs").string() + " - <" + topo);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(state().file, "<stdin>");
  const auto down = faultline("down " + run_);
  EXPECT_EQ(down.status, 0) << down.out;
}

}  // namespace
