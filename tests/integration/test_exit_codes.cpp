// SPDX-License-Identifier: Apache-2.0
// The exit code of every verb for each kind of failure it can meet, from the
// built faultline binary as a user runs it (README, "Exit codes"): 0 ok, 2
// bad input (with a message naming what was wrong), 3 the environment lacks
// something (here: root), 4 a runtime failure. (1, an expectation that
// failed, needs a whole experiment: tests/scenario; 1 from `lint --strict`:
// test_lint_cli.cpp.)
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/runtime/proc.hpp"
#include "tests/support/cli_run_test.hpp"

using namespace faultline;
using namespace faultline::testing;
namespace fs = std::filesystem;

namespace {

const char* kSummary = R"({"experiment": {"name": "codes"}, "verdict": {"collapsed": false}, "passed": true})";

struct Case {
  std::string args;  // after `faultline`
  int code;
  std::string says;  // a part of the output
};

class ExitCodes : public CliRunTest {
 protected:
  void SetUp() override {
    CliRunTest::SetUp();
    if (IsSkipped()) return;
    good_ = write_topology(kTwoNodesOneLink);
    bad_ = (dir_ / "bad.toml").string();
    std::ofstream(bad_) << "[[node]]\nname = \"a\"\ncpu = -1\n";
    results_ = folder("results", kSummary);
    empty_ = folder("empty", nullptr);
    hollow_ = folder("hollow", "{}");
    broken_ = folder("broken", "{\"experiment\": ");
    untraced_ = folder("untraced", R"({"experiment": {"name": "codes"}, "verdict": {}, "passed": true,
                                       "phases": {"t0_monotonic_ns": 1, "t0_unix_ns": 2}})");
  }
  std::string folder(const std::string& name, const char* summary) const {
    const auto d = dir_ / name;
    fs::create_directories(d / "base" / "0");
    if (summary) std::ofstream(d / "base" / "0" / "summary.json") << summary;
    return d.string();
  }
  void check(const std::vector<Case>& cases, const std::string& as = "") {
    for (const auto& c : cases) {
      const auto r = run_cmd(as + "timeout 60 env " + cli(c.args));
      EXPECT_EQ(r.status, c.code) << "faultline " << c.args << "\n" << r.out;
      EXPECT_NE(r.out.find(c.says), std::string::npos) << "faultline " << c.args << "\n" << r.out;
    }
  }
  std::string good_, bad_, results_, empty_, hollow_, broken_, untraced_;
};

TEST_F(ExitCodes, BadInputIsTwoForEveryVerb) {
  const std::string nosuch = "nosuch" + run_;
  check({
      {"", 2, "A subcommand is required"},
      {"validate", 2, "file is required"},
      {"validate " + good_, 0, ": ok: 2 nodes"},
      {"validate " + (dir_ / "absent.toml").string(), 2, "absent.toml:1:1: error: cannot open the topology file"},
      {"validate " + bad_, 2, "bad.toml:3:"},
      {"validate /dev/zero", 2, "it is a character device"},
      {"validate " + good_ + " --set node.a.cpu=-1", 2, "--set:1:"},
      {"lint", 2, "file is required"},
      {"lint --strict " + good_, 0, ": no findings"},
      {"lint " + bad_, 2, "bad.toml:3:"},
      {"lint " + good_ + " --set node.a.cpu=-1", 2, "--set:1:"},
      {"plan " + bad_, 2, "nothing was created"},
      {"plan --name Not_Allowed " + good_, 2, "run name 'Not_Allowed' is not allowed"},
      {"up --name " + run_ + " " + bad_, 2, "nothing was created"},
      {"up --name " + run_ + " " + dir_.string(), 2, "it is a directory"},
      {"run --name " + run_ + " " + bad_, 2, "nothing was created"},
      {"run --name " + run_ + " --variant nosuch " + good_, 2, "no [[variant]] named 'nosuch'"},
      {"run --name " + run_ + " --junit " + (dir_ / "absent" / "j.xml").string() + " " + good_, 2,
       "--junit: " + (dir_ / "absent").string() + " is not a directory"},
      {"explore " + good_, 2, "--vary is required"},
      {"explore " + good_ + " --vary node.a.cpu", 2, "--vary node.a.cpu: no KEY= before the range"},
      {"explore " + good_ + " --vary node.a.cpu=0.5", 2, "no LO..HI after '='"},
      {"explore " + good_ + " --vary node.a.cpu=0.5..0.1", 2, "LO must be below HI"},
      {"explore " + good_ + " --vary fault.0.for=1s..5ms", 2, "LO and HI have different units"},
      {"explore " + good_ + " --vary node.a.nosuch=1..2", 2, "--set:"},
      {"explore " + good_ + " --vary node.a.cpu=0.1..1 --vary node.a.cpu=0.1..1", 2, "is given twice"},
      {"explore " + bad_ + " --vary node.a.cpu=0.1..1", 2, "nothing was created"},
      {"explore " + good_ + " --vary node.a.cpu=0.1..1 --junit " + (dir_ / "absent" / "j.xml").string(), 2,
       "--junit: " + (dir_ / "absent").string() + " is not a directory"},
      {"status " + nosuch, 2, "no run named '" + nosuch + "'; `faultline status` lists the runs"},
      {"status BAD/NAME", 2, "no run named 'BAD/NAME'"},
      {"exec " + nosuch + " a -- true", 2, "no run named '" + nosuch + "'; `faultline status` lists the runs"},
      {"fault " + nosuch + " list", 2, "no run named '" + nosuch + "'; `faultline status` lists the runs"},
      {"down " + nosuch, 2, "no run named '" + nosuch + "'; `faultline status` lists the runs"},
      {"report /etc/passwd", 2, "/etc/passwd is not a results folder of `faultline run`"},
      {"report " + (dir_ / "absent").string(), 2, "results folder " + (dir_ / "absent").string()},
      {"report " + empty_, 2, "has no summary.json"},
      {"report " + hollow_ + "/base/0", 2,
       hollow_ + "/base/0/summary.json is not the summary of a `faultline run`: field 'experiment' (an object) is missing"},
      {"report " + broken_ + "/base/0", 2, "summary.json is not JSON"},
      {"report " + results_ + "/base/0", 0, "report.html"},
      {"compare /etc/passwd", 2, "/etc/passwd is not a results folder of `faultline run` (not a directory)"},
      {"compare " + (dir_ / "absent").string(), 2, "(no such directory)"},
      {"compare " + empty_, 2, "no summary.json under " + empty_},
      {"compare " + hollow_, 2, "field 'experiment' (an object) is missing"},
      {"compare " + hollow_, 2, "1 of 1 summaries refused"},
      {"compare " + broken_, 2, "is not JSON"},
      {"compare " + results_, 0, "(base)"},
      {"compare " + results_ + " --junit " + (dir_ / "absent" / "x.xml").string(), 2, "--junit: "},
      {"traces " + (dir_ / "absent").string(), 2, "summary.json: cannot be read"},
      {"traces " + hollow_ + "/base/0", 2, "no phases.t0_monotonic_ns"},
      {"traces " + results_ + "/base/0", 2, "no phases.t0_monotonic_ns"},
      {"traces " + untraced_ + "/base/0", 2, "records.bin"},
  });
  EXPECT_FALSE(fs::exists(runtime::run_dir(run_))) << "bad input created a run";
  EXPECT_TRUE(runtime::list_runs().empty());
}

TEST_F(ExitCodes, NotRootIsThreeWhereRootIsNeeded) {
  // setpriv: the same command as uid/gid nobody, no supplementary groups.
  const std::string nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
  check({
             {"up --name " + run_ + " " + good_, 3, "up needs root"},
             {"run --name " + run_ + " " + good_, 3, "run needs root"},
             {"explore " + good_ + " --vary node.a.cpu=0.1..1 --out " + (dir_ / "x").string(), 3, "explore needs root"},
             {"down " + run_, 3, "down needs root"},
             {"fault " + run_ + " list", 3, "fault needs root"},
             {"exec " + run_ + " a -- true", 3, "exec needs root"},
             {"cleanup", 3, "cleanup needs root"},
             {"doctor", 3, "verdict: cannot bring topologies up: missing root"},
             // Bad input is still bad input without root.
             {"up --name " + run_ + " " + bad_, 2, "nothing was created"},
             {"validate " + good_, 0, ": ok"},
             {"lint " + good_, 0, ": no findings"},
         },
         nobody);
}

TEST_F(ExitCodes, ALiveRunRefusesBadRequestsAndADeadOwnerIsARuntimeFailure) {
  up(kTwoNodesOneLink);
  check({
      {"status " + run_, 0, "alive"},
      {"exec " + run_ + " nosuchnode -- true", 2, "run " + run_ + " has no node 'nosuchnode'; its nodes: "},
      {"fault " + run_ + " link:a-zz delay=1ms", 2, "zz"},
      {"fault " + run_ + " link:a-b delay=-1ms", 2, "delay"},
      {"fault " + run_ + " bogus", 2, "target 'bogus'"},
      {"fault " + run_ + " heal x", 2, "heal takes a partition id"},
      {"fault " + run_ + " link:a-b delay=1ms", 0, "1ms"},
  });
  const auto st = state();
  ASSERT_EQ(::kill(st.owner.pid, SIGKILL), 0);
  for (int i = 0; i < 100 && runtime::is_alive(st.owner); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  check({
      {"fault " + run_ + " list", 4, "is gone, so nothing can change the run; `faultline cleanup` removes what it left"},
      {"status " + run_, 0, "DEAD"},
      {"cleanup", 0, run_},
      {"status " + run_, 2, "no run named '" + run_ + "'"},
  });
}

}  // namespace
