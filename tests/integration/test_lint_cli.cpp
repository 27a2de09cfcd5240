// SPDX-License-Identifier: Apache-2.0
// `faultline lint` and the lint's warnings in `validate`, from the built
// binary as a user (or a CI job) runs them: findings located file:line:col
// with their fix, exit 0 without --strict and 1 with it, --set honoured, and
// the --json documents of validate, lint, plan and status parsed as JSON.
// (The numbers of each check: tests/unit/test_lint.cpp.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_run_test.hpp"

using namespace faultline::testing;
using nlohmann::json;

namespace {

// Retries at two tiers (the client's 3 attempts x api's 4 reach db) and an
// api call whose 4 attempts of 1 s cannot finish within the client's 2 s.
const char* kRetrying = R"T(
[experiment]
name = "lintcli"

[[node]]
name = "client"
load = { target = "api:80", rate = 50, timeout = "2s", retries = 2, backoff = "none" }

[[node]]
name = "api"
service = [{ port = 80, calls = [{ to = "db:5432", timeout = "1s", retries = 3, backoff = "none" }] }]

[[node]]
name = "db"
service = [{ port = 5432, work = "1ms" }]

[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "db"]
)T";

class LintCli : public CliRunTest {
 protected:
  // Standard output alone (the findings of validate go to standard error).
  CommandResult stdout_of(const std::string& args) const { return run_cmd("{ " + cli(args) + " 2>/dev/null; }"); }
};

TEST_F(LintCli, FindingsAreLocatedAndStrictMakesThemExitOne) {
  const auto file = write_topology(kRetrying);
  // lint: every finding at the call's file:line:col, with its numbers and fix.
  auto r = run_cmd(cli("lint " + file));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(file + ":11:34: critical: [timeout-budget] api's call to db"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("takes up to 4 s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(file + ":11:34: warning: [amplification]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("load:client -> api -> db: 3 x 4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("; fix: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(file + ": 2 findings (1 critical)"), std::string::npos) << r.out;
  EXPECT_EQ(run_cmd(cli("lint --strict " + file)).status, 1);

  // validate: the same findings on standard error, its own line, its own codes.
  r = run_cmd(cli("validate " + file));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(file + ":11:34: critical: [timeout-budget]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": ok: 3 nodes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lint: 2 findings (1 critical)"), std::string::npos) << r.out;
  EXPECT_EQ(run_cmd(cli("validate --strict " + file)).status, 1);
  EXPECT_EQ(stdout_of("validate " + file).out.find("[timeout-budget]"), std::string::npos)
      << "warnings go to standard error";

  // A sound configuration: nothing to say, exit 0 even when strict.
  const auto sound = write_topology(kTwoNodesOneLink);
  r = run_cmd(cli("lint --strict " + sound));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(": no findings"), std::string::npos) << r.out;
  EXPECT_EQ(run_cmd(cli("validate --strict " + sound)).status, 0);
}

TEST_F(LintCli, SetOverridesWhatTheLintJudges) {
  const auto file = write_topology(kRetrying);
  // api retrying no more: no amplification across tiers, no attempt too late.
  auto r = run_cmd(cli("lint --strict " + file + " --set node.api.service.80.calls.db:5432.retries=0"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(": no findings"), std::string::npos) << r.out;
  // A bad override is bad input, located in the --set it came from.
  r = run_cmd(cli("lint " + file + " --set node.api.cpu=-1"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("--set:1:"), std::string::npos) << r.out;
}

TEST_F(LintCli, JsonDocumentsForScripts) {
  const auto file = write_topology(kRetrying);
  auto r = stdout_of("lint --json " + file);
  EXPECT_EQ(r.status, 0) << r.out;
  json j = json::parse(r.out);
  ASSERT_EQ(j["findings"].size(), 2u) << j.dump(2);
  EXPECT_EQ(j["findings"][0]["file"], file);
  EXPECT_EQ(j["findings"][0]["line"], 11);
  EXPECT_EQ(j["findings"][0]["col"], 34) << "the call's inline table";
  EXPECT_DOUBLE_EQ(j["findings"][0]["figures"]["worst_case_s"].get<double>(), 4.0) << j["findings"].dump(2);
  EXPECT_DOUBLE_EQ(j["predictions"]["services"]["db"]["worst_attempts"].get<double>(), 12);
  EXPECT_DOUBLE_EQ(j["predictions"]["services"]["db"]["offered_rps"].get<double>(), 50);
  EXPECT_TRUE(j["cpu_estimate"]["cores"].is_number());
  EXPECT_EQ(stdout_of("lint --json --strict " + file).status, 1);

  r = stdout_of("validate --json " + file);
  EXPECT_EQ(r.status, 0) << r.out;
  j = json::parse(r.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["nodes"], 3);
  EXPECT_EQ(j["findings"].size(), 2u);

  // Bad input: still one document, naming each error's place; exit 2.
  const auto bad = (dir_ / "bad.toml").string();
  run_cmd("printf '[[node]]\\nname = \"a\"\\ncpu = -1\\n' > " + bad);
  for (const std::string verb : {"validate", "lint"}) {
    r = stdout_of(verb + " --json " + bad);
    EXPECT_EQ(r.status, 2) << verb << "\n" << r.out;
    j = json::parse(r.out);
    EXPECT_EQ(j["ok"], false);
    ASSERT_FALSE(j["errors"].empty());
    EXPECT_EQ(j["errors"][0]["line"], 3);
    EXPECT_EQ(j["errors"][0]["file"], bad);
  }

  r = stdout_of("plan --json --name " + run_ + " " + file);
  EXPECT_EQ(r.status, 0) << r.out;
  j = json::parse(r.out);
  EXPECT_EQ(j["run"], run_);
  EXPECT_EQ(j["namespaces"].size(), 3u) << "three nodes; no fabric without an impairment or a segment";
  EXPECT_EQ(j["processes"].size(), 3u);
  EXPECT_EQ(j["probed"], true) << "as root the kernel is probed";

  r = stdout_of("status --json");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(json::parse(r.out), json::parse(R"({"runs": []})"));
}

TEST_F(LintCli, StatusJsonOfALiveRun) {
  up(kTwoNodesOneLink);
  auto r = stdout_of("status --json");
  ASSERT_EQ(r.status, 0) << r.out;
  json j = json::parse(r.out);
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["run"], run_);
  EXPECT_EQ(j["runs"][0]["state"], "up");
  r = stdout_of("status --json " + run_);
  ASSERT_EQ(r.status, 0) << r.out;
  j = json::parse(r.out);
  ASSERT_EQ(j["nodes"].size(), 2u);
  EXPECT_EQ(j["nodes"][0]["alive"], true);
  EXPECT_TRUE(j["nodes"][0]["memory_bytes"].is_number()) << j.dump(2);
  EXPECT_EQ(stdout_of("status --json nosuch" + run_).status, 2);
}

}  // namespace
