// SPDX-License-Identifier: Apache-2.0
// What CI reads: the JUnit XML of `run --junit` and `compare --junit`,
// read back by a real JUnit parser (Debian's python3-junitparser, through
// tests/support/read_junit.py), and compare's table as JSON.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "orchestrator/experiment/compare.hpp"
#include "orchestrator/experiment/junit.hpp"
#include "tests/support/python.hpp"

using namespace faultline;
using namespace faultline::experiment;
using nlohmann::json;

namespace {

// A vector, not a json: a braced list of one json would be that json itself.
json summary(const std::string& variant, int repeat, const std::vector<json>& expectations, bool interrupted = false) {
  bool passed = !interrupted;
  for (const auto& e : expectations) passed = passed && e.value("passed", false);
  return {{"experiment", {{"name", "retry-storm"}, {"file", "/t/retry-storm.toml"}, {"seed", 7 + repeat},
                          {"variant", variant}, {"repeat", repeat}, {"interrupted", interrupted}}},
          {"phases", {{"end_s", 45.0}}},
          {"verdict", {{"headline", "collapsed 4 s after the first fault; <not> recovered & \"metastable\""},
                       {"collapsed", true}, {"recovered", false}}},
          {"expectations", expectations},
          {"passed", passed}};
}

json expectation(const std::string& name, const json& measured, const std::string& op, double threshold, bool passed,
                 const std::string& detail = "") {
  return {{"name", name}, {"metric", name}, {"measured", measured}, {"op", op},
          {"threshold", threshold}, {"passed", passed}, {"detail", detail}};
}

// The JUnit XML of these summaries as the parser read it.
json parsed(const std::vector<json>& summaries) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto path = std::filesystem::temp_directory_path() /
                    ("fl-junit-" + std::string(info->name()) + "-" + std::to_string(::getpid()) + ".xml");
  std::ofstream(path) << junit_xml(summaries);
  const auto r = faultline::testing::run_python("read_junit.py", {path.string()});
  std::error_code ec;
  std::filesystem::remove(path, ec);
  EXPECT_EQ(r.status, 0) << r.output;
  return r.status == 0 ? json::parse(r.output) : json::object();
}

}  // namespace

TEST(JUnit, EveryExpectationOfEveryRunIsATestCase) {
  const std::vector<json> runs = {
      summary("retries", 0,
              {expectation("recovers_within", 31.25, "<=", 30, false, "not recovered within the horizon"),
               expectation("max_cumulative_amplification", 2.5, "<=", 3, true)}),
      summary("retries", 1, {expectation("recovers_within", nullptr, "<=", 30, false, "not recovered <at all> & more"),
                             expectation("max_cumulative_amplification", 2.1, "<=", 3, true)}),
      summary("no-retries", 0, {expectation("recovers_within", 4.5, "<=", 30, true)}, /*interrupted=*/true),
  };
  const json j = parsed(runs);
  ASSERT_EQ(j["suites"].size(), 3u) << j.dump(2);
  EXPECT_EQ(j["tests"], 6) << "five expectations and the interrupted run";
  EXPECT_EQ(j["failures"], 2);
  EXPECT_EQ(j["errors"], 1);

  const auto& first = j["suites"][0];
  EXPECT_EQ(first["name"], "retry-storm/retries/0");
  EXPECT_EQ(first["properties"]["seed"], "7");
  EXPECT_EQ(first["properties"]["headline"], "collapsed 4 s after the first fault; <not> recovered & \"metastable\"")
      << "escaped and read back intact";
  ASSERT_EQ(first["cases"].size(), 2u);
  const auto& failed = first["cases"][0];
  EXPECT_EQ(failed["name"], "recovers_within");
  EXPECT_EQ(failed["classname"], "faultline.retry-storm.retries.0");
  EXPECT_EQ(failed["result"], "failure");
  EXPECT_EQ(failed["type"], "expectation");
  EXPECT_EQ(failed["message"], "measured 31.25, expected <= 30: not recovered within the horizon");
  EXPECT_NE(failed["text"].get<std::string>().find("measured: 31.25\nop: <=\nthreshold: 30"), std::string::npos)
      << failed["text"];
  EXPECT_EQ(first["cases"][1]["result"], "passed");
  // Nothing measured: said so, not a number.
  EXPECT_EQ(j["suites"][1]["cases"][0]["message"], "measured none, expected <= 30: not recovered <at all> & more");
  // An interrupted run: an error of the run beside its expectations.
  const auto& cut = j["suites"][2];
  ASSERT_EQ(cut["cases"].size(), 2u);
  EXPECT_EQ(cut["cases"][1]["name"], "run");
  EXPECT_EQ(cut["cases"][1]["result"], "error");
  // The counts the suites state agree with their cases.
  for (const auto& s : j["suites"]) {
    int failures = 0, errors = 0;
    for (const auto& c : s["cases"]) {
      failures += c["result"] == "failure";
      errors += c["result"] == "error";
    }
    EXPECT_EQ(s["tests"], s["cases"].size());
    EXPECT_EQ(s["failures"], failures);
    EXPECT_EQ(s["errors"], errors);
  }
}

TEST(JUnit, ASingleRunIsNamedByItsExperimentAndControlCharactersAreReplaced) {
  const json j = parsed({summary("", 0, {expectation("no\x01" "bell", 1, "<", 2, true)})});
  ASSERT_EQ(j["suites"].size(), 1u);
  EXPECT_EQ(j["suites"][0]["name"], "retry-storm");
  EXPECT_EQ(j["suites"][0]["cases"][0]["name"], "no\xEF\xBF\xBD" "bell") << "XML 1.0 cannot hold U+0001";
  EXPECT_EQ(parsed({})["tests"], 0) << "no runs: an empty, valid document";
}

TEST(JUnit, RunsNamedByTheirCallerCarryTheirOverrides) {
  // As explore will name its runs: by the point of the search.
  json s = summary("", 3, {expectation("recovers_within", 40.0, "<=", 30, false)});
  s["experiment"]["overrides"] = {"node.client.load.rate=230"};
  const auto path = std::filesystem::temp_directory_path() / ("fl-junit-named-" + std::to_string(::getpid()) + ".xml");
  std::ofstream(path) << junit_xml({JUnitRun{s, "retry-storm rate=230 #3"}}, "faultline explore");
  const auto r = faultline::testing::run_python("read_junit.py", {path.string()});
  std::filesystem::remove(path);
  ASSERT_EQ(r.status, 0) << r.output;
  const json j = json::parse(r.output);
  ASSERT_EQ(j["suites"].size(), 1u);
  EXPECT_EQ(j["suites"][0]["name"], "retry-storm rate=230 #3");
  EXPECT_EQ(j["suites"][0]["properties"]["overrides"], "node.client.load.rate=230");
  EXPECT_EQ(j["suites"][0]["cases"][0]["classname"], "faultline.retry-storm rate=230 #3");
  EXPECT_EQ(j["failures"], 1);
  EXPECT_EQ(suite_name(s), "retry-storm/base/3") << "the default: as the results folder names it";
}

TEST(CompareJson, CountsIntervalsAndEstimates) {
  std::vector<json> runs;
  for (int r = 0; r < 3; ++r) {
    json s = summary("retries", r, {expectation("x", 1, "<", 2, r != 2)});
    s["verdict"]["recovered"] = r == 0;
    s["verdict"]["recovery_s"] = r == 0 ? json(4.0) : json(nullptr);
    s["verdict"]["max_cumulative_amplification"] = 2.0 + r;
    runs.push_back(s);
  }
  const json j = render_json(compare_summaries(runs));
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["variant"], "retries");
  EXPECT_EQ(j[0]["runs"], 3);
  EXPECT_EQ(j[0]["passed"], 2);
  EXPECT_EQ(j[0]["collapsed"]["k"], 3);
  EXPECT_EQ(j[0]["recovered"]["k"], 1);
  EXPECT_GT(j[0]["recovered"]["ci95_hi"].get<double>(), 1.0 / 3) << "Wilson's interval around 1/3";
  EXPECT_EQ(j[0]["recovery_s"]["n"], 1);
  EXPECT_TRUE(j[0]["recovery_s"]["ci95"].is_null()) << "one value has no interval";
  EXPECT_DOUBLE_EQ(j[0]["cumulative_amplification"]["mean"].get<double>(), 3.0);
  EXPECT_TRUE(j[0]["time_to_collapse_s"]["mean"].is_null());
}
