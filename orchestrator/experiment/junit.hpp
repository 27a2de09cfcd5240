// SPDX-License-Identifier: Apache-2.0
// Expectations as JUnit XML, for CI systems that show test results (GitHub
// Actions' test reporters, GitLab's `artifacts:reports:junit`, Jenkins):
// one <testsuite> per run, one <testcase> per expectation of that run, a
// failed expectation as a <failure> carrying its measured value and
// threshold, an interrupted run as an <error>. Made from summary.json
// documents (checked ones: report/summary_check.hpp), so `run` and `compare`
// write the same thing; explore passes its runs with names of its own.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace faultline::experiment {

// One run as a <testsuite>: its summary and the name CI shows for it.
struct JUnitRun {
  nlohmann::json summary;
  std::string name;  // empty: suite_name(summary)
};

// "retry-storm", or "retry-storm/no-retries/2" for a variant or repeat: how
// a results folder names a run.
std::string suite_name(const nlohmann::json& summary);

// A <testsuites> document named `name` holding one <testsuite> per run.
std::string junit_xml(const std::vector<JUnitRun>& runs, const std::string& name = "faultline");
// The same, each run named by suite_name.
std::string junit_xml(const std::vector<nlohmann::json>& summaries);

// Text as XML 1.0 character data or an attribute value: the five special
// characters escaped, characters XML cannot hold (controls other than tab,
// newline, carriage return) replaced by U+FFFD.
std::string xml_escape(const std::string& s);

}  // namespace faultline::experiment
