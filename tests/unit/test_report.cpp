// SPDX-License-Identifier: Apache-2.0
// report.html without a browser: the data is embedded intact and cannot end
// its script element, the page links nothing outside itself, the CSV becomes
// aligned columns, and write_report reads and writes the results folder.
// (The page's drawing is checked in Chromium: tests/integration/test_report.cpp.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "orchestrator/report/report.hpp"
#include "orchestrator/report/series.hpp"
#include "orchestrator/report/summary_check.hpp"

namespace faultline::report {
namespace {

using nlohmann::json;

const char* kDataOpen = "<script type=\"application/json\" id=\"fl-data\">";

// The embedded data block, parsed back.
json embedded(const std::string& html) {
  const auto b = html.find(kDataOpen);
  EXPECT_NE(b, std::string::npos);
  if (b == std::string::npos) return {};
  const auto start = b + std::string(kDataOpen).size();
  const auto end = html.find("</script>", start);
  EXPECT_NE(end, std::string::npos);
  return json::parse(html.substr(start, end - start));
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

json small_summary() {
  return json::parse(R"({
    "experiment": {"name": "chain", "seed": 7},
    "topology": {"nodes": [{"name": "client", "load": true}],
                 "services": [{"name": "api", "node": "api"}],
                 "edges": [{"caller": "load:client", "callee": "api"}]},
    "faults": [{"index": 0, "target": "node:api", "what": "cpu 0.2", "at_s": 2, "for_s": 1}],
    "verdict": {"collapsed": false, "recovery_s": null},
    "passed": true
  })");
}

TEST(Report, EmbedsTheRunsData) {
  const json summary = small_summary();
  const std::string csv =
      "t,node,service,metric,value\n"
      "1,api,api,goodput_rps,400\n"
      "2,api,api,goodput_rps,120.5\n"
      "1,client,,offered_rps,400\n";
  const std::vector<json> events = {{{"t", 2.0}, {"kind", "fault"}, {"state", "applied"}, {"fault", 0}}};
  const std::string html = render_report(summary, csv, events);
  const json data = embedded(html);
  EXPECT_EQ(data["summary"], summary);
  EXPECT_EQ(data["events"], json(events));
  EXPECT_EQ(data["series"]["t"], json::parse("[1, 2]"));
  ASSERT_EQ(data["series"]["series"].size(), 2u);
  // Sorted by metric: goodput_rps, then offered_rps (which has no sample at t=2).
  EXPECT_EQ(data["series"]["series"][0], json::parse(R"({"m":"goodput_rps","n":"api","s":"api","v":[400,120.5]})"));
  EXPECT_EQ(data["series"]["series"][1], json::parse(R"({"m":"offered_rps","n":"client","s":"","v":[400,null]})"));
  EXPECT_NE(html.find("<title>faultline \xC2\xB7 chain</title>"), std::string::npos);
  EXPECT_NE(html.find("id=\"render-check\""), std::string::npos);
}

TEST(Report, DataCannotCloseItsScriptElement) {
  json summary = small_summary();
  const std::string evil = "</script><script>alert(1)</script><!-- </SCRIPT >";
  summary["experiment"]["name"] = evil;
  summary["faults"][0]["what"] = evil;
  const std::string html = render_report(summary, "t,node,service,metric,value\n1,a</script>,x,m,1\n",
                                         {{{"kind", "warning"}, {"what", evil}}});
  // Four script elements (error catcher, data, the pure functions, drawing),
  // each closed once.
  EXPECT_EQ(count(html, "</script>"), 4u);
  EXPECT_EQ(count(html, "<script"), 4u);
  EXPECT_EQ(html.find("<!--"), std::string::npos);
  const json data = embedded(html);
  EXPECT_EQ(data["summary"]["experiment"]["name"], evil);
  EXPECT_EQ(data["events"][0]["what"], evil);
  EXPECT_EQ(data["series"]["series"][0]["n"], "a</script>");
  // In the title it is text.
  EXPECT_NE(html.find("<title>faultline \xC2\xB7 &lt;/script&gt;&lt;script&gt;alert(1)"), std::string::npos);
}

TEST(Report, IsSelfContained) {
  json summary = small_summary();
  summary["experiment"]["file"] = "https://example.invalid/x.toml";  // data may mention URLs...
  const std::string html = render_report(summary, "", {});
  // ...but nothing in the page loads from anywhere.
  static const std::regex external(R"re((src|href|action)\s*=\s*["']?\s*(https?:|//|ftp:|file:))re", std::regex::icase);
  EXPECT_FALSE(std::regex_search(html, external));
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  static const std::regex css_url(R"re(url\(\s*["']?\s*(https?:|//))re", std::regex::icase);
  EXPECT_FALSE(std::regex_search(html, css_url));
  static const std::regex fetching(R"re(\b(fetch|XMLHttpRequest|WebSocket|EventSource|importScripts)\s*\()re");
  EXPECT_FALSE(std::regex_search(html, fetching));
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
  EXPECT_NE(html.find("<style>"), std::string::npos);
  EXPECT_NE(html.find("createElementNS"), std::string::npos) << "the page draws with SVG";
}

TEST(Report, OddInputRendersAndStaysValid) {
  // Not an object, invalid UTF-8, NaN: the page still gets valid JSON.
  json summary = json::array({1, 2});
  std::string bad_utf8 = "svc\xff";
  const std::string html = render_report(summary, "t,node,service,metric,value\n1," + bad_utf8 + ",x,m,nan\n", {});
  const json data = embedded(html);
  EXPECT_TRUE(data["summary"].is_array());
  EXPECT_TRUE(data["series"]["series"][0]["v"][0].is_null());
  EXPECT_NE(html.find("<title>faultline \xC2\xB7 experiment</title>"), std::string::npos);
}

TEST(ReportSeries, ColumnarAlignsTicksAndSkipsBadRows) {
  const std::string csv =
      "t,node,service,metric,value\r\n"
      "0.1,api,api,p99_s,0.0041234567\r\n"
      "0.3,api,api,p99_s,NaN\n"
      "0.2,\"we,ird\",\"a \"\"b\"\"\",p99_s,inf\n"
      "0.30000000000000004,db,db,p99_s,+2e-3\n"
      "\n"
      "x,api,api,p99_s,1\n"
      "0.4,api,api,p99_s\n"
      "0.4,api,api,,1\n"
      "0.5,api,api,p99_s,abc\n";
  const json j = columnar_series(csv);
  EXPECT_EQ(j["skipped"], 4);
  EXPECT_EQ(j["t"], json::parse("[0.1, 0.2, 0.3]")) << "0.3 and 0.30000000000000004 are one tick";
  ASSERT_EQ(j["series"].size(), 3u);
  EXPECT_EQ(j["series"][0], json::parse(R"({"m":"p99_s","n":"api","s":"api","v":[0.00412346,null,null]})"));
  EXPECT_EQ(j["series"][1], json::parse(R"({"m":"p99_s","n":"db","s":"db","v":[null,null,0.002]})"));
  EXPECT_EQ(j["series"][2]["n"], "we,ird");
  EXPECT_EQ(j["series"][2]["s"], "a \"b\"");
  EXPECT_EQ(j["series"][2]["v"], json::parse("[null, null, null]")) << "infinity is no value";

  const json empty = columnar_series("");
  EXPECT_EQ(empty["t"], json::array());
  EXPECT_EQ(empty["series"], json::array());
  EXPECT_EQ(empty["skipped"], 0);
}

class WriteReport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fl-write-report-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string read(const std::string& name) const {
    std::ifstream in(dir_ / name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::filesystem::path dir_;
};

TEST_F(WriteReport, ReadsTheFolderAndWritesReportHtml) {
  std::ofstream(dir_ / "summary.json") << small_summary().dump();
  std::ofstream(dir_ / "timeseries.csv") << "t,node,service,metric,value\n1,api,api,goodput_rps,3\n";
  std::ofstream(dir_ / "events.jsonl") << "{\"t\": 1, \"kind\": \"phase\", \"phase\": \"baseline\"}\n"
                                       << "\n"
                                       << "not json\n"
                                       << "[1]\n";
  const auto st = write_report(dir_.string());
  ASSERT_TRUE(st.ok()) << st.error().message();
  const std::string html = read("report.html");
  const json data = embedded(html);
  EXPECT_EQ(data["summary"], small_summary());
  EXPECT_EQ(data["series"]["series"][0]["v"], json::parse("[3]"));
  ASSERT_EQ(data["events"].size(), 3u);
  EXPECT_EQ(data["events"][0]["phase"], "baseline");
  EXPECT_EQ(data["events"][1]["kind"], "warning");
  EXPECT_EQ(data["events"][1]["what"], "events.jsonl line 3 is not a JSON object");
  EXPECT_EQ(data["events"][2]["what"], "events.jsonl line 4 is not a JSON object");
  EXPECT_FALSE(std::filesystem::exists(dir_ / ".report.html.tmp"));

  // Rewriting replaces the page.
  std::ofstream(dir_ / "timeseries.csv") << "";
  ASSERT_TRUE(write_report(dir_.string()).ok());
  EXPECT_EQ(embedded(read("report.html"))["series"]["series"], json::array());
}

TEST_F(WriteReport, OnlySummaryIsRequired) {
  std::ofstream(dir_ / "summary.json") << R"({"experiment": {"name": "x"}, "verdict": {}, "passed": true})";
  const auto st = write_report(dir_.string());
  ASSERT_TRUE(st.ok()) << st.error().message();
  const json data = embedded(read("report.html"));
  EXPECT_EQ(data["events"], json::array());
  EXPECT_EQ(data["series"]["t"], json::array());
}

TEST_F(WriteReport, MissingOrBrokenSummaryIsAnError) {
  auto st = write_report(dir_.string());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().err, ENOENT);
  EXPECT_NE(st.error().message().find("has no summary.json"), std::string::npos) << st.error().message();

  std::ofstream(dir_ / "summary.json") << "{\"truncated\": ";
  st = write_report(dir_.string());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().err, 0);
  EXPECT_NE(st.error().message().find("summary.json is not JSON"), std::string::npos) << st.error().message();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "report.html"));

  st = write_report((dir_ / "absent").string());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().err, ENOENT);

  // A file is not a results folder.
  st = write_report((dir_ / "summary.json").string());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().err, ENOTDIR);
  EXPECT_NE(st.error().message().find("is not a results folder"), std::string::npos) << st.error().message();
}

TEST_F(WriteReport, EmptyOrForeignSummaryIsRefusedNamingTheField) {
  const std::string file = (dir_ / "summary.json").string();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{}", "field 'experiment' (an object) is missing"},
      {"[]", "it is not a JSON object"},
      {R"({"experiment": {}})", "field 'experiment.name' (a string) is missing"},
      {R"({"experiment": {"name": 3}})", "field 'experiment.name' must be a string"},
      {R"({"experiment": {"name": "x"}})", "field 'verdict' (an object) is missing"},
      {R"({"experiment": {"name": "x"}, "verdict": {}})", "field 'passed' (a boolean) is missing"},
      {R"({"experiment": {"name": "x", "variant": 1}, "verdict": {}, "passed": true})",
       "field 'experiment.variant' must be a string"},
      {R"({"experiment": {"name": "x"}, "verdict": {"collapsed": "yes"}, "passed": true})",
       "field 'verdict.collapsed' must be a boolean or null"},
  };
  for (const auto& [text, want] : cases) {
    std::ofstream(file) << text;
    const auto st = write_report(dir_.string());
    ASSERT_FALSE(st.ok()) << text;
    EXPECT_EQ(st.error().err, 0) << text;
    EXPECT_NE(st.error().message().find(file + " is not the summary of a `faultline run`: " + want), std::string::npos)
        << text << " -> " << st.error().message();
    EXPECT_FALSE(std::filesystem::exists(dir_ / "report.html")) << text;
  }
  // The smallest that is one passes the same check.
  EXPECT_TRUE(check_summary(json::parse(R"({"experiment": {"name": "x"}, "verdict": {"collapsed": null},
                                            "passed": false})"),
                            file)
                  .ok());
}

}  // namespace
}  // namespace faultline::report
