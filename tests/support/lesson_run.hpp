// SPDX-License-Identifier: Apache-2.0
// A fixture for the lessons' scenario tests (tests/scenario/test_lesson_*.cpp):
// each runs a shipped topology (topologies/NAME.toml) through `faultline run`
// as a student would, with the --set overrides its lesson (docs/lessons/)
// names, and reads the results folder back. The run gets this test's run
// name, state root and metrics port, so nothing clashes with other tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/cli_run_test.hpp"
#include "tests/support/run_results.hpp"

namespace faultline::testing {

struct LessonRun {
  int status = -1;              // faultline run's exit code: 0 passed, 1 an expectation failed
  std::string out;              // its output
  std::filesystem::path dir;    // the results folder
  nlohmann::json summary;       // summary.json, checked against its schema
  bool recovered() const { return summary["verdict"]["recovered"] == true; }
  std::string headline() const { return summary["verdict"]["headline"].get<std::string>(); }
  Series series() const { return Series(dir / "timeseries.csv"); }
};

class LessonTest : public CliRunTest {
 protected:
  static std::string shipped(const std::string& name) {
    return std::string(FL_SOURCE_DIR) + "/topologies/" + name + ".toml";
  }
  // `faultline run topologies/NAME.toml --set ... [--variant V]` into its
  // own results folder (`label`); fails the test unless the run finished
  // (exit 0 or 1). A file with [[variant]]s needs `variant`: one run.
  LessonRun run_lesson(const std::string& name, const std::string& label, const std::vector<std::string>& sets = {},
                       const std::string& variant = "") {
    LessonRun r;
    r.dir = dir_ / label;
    std::string args = "run " + shipped(name) + " --name " + run_ + " --out " + r.dir.string() + " -q" +
                       " --set experiment.metrics_port=" + std::to_string(test_port(static_cast<int>(label.size())));
    for (const auto& s : sets) args += " --set '" + s + "'";
    if (!variant.empty()) args += " --variant " + variant;
    const auto c = run_cmd(cli(args));
    r.status = c.status;
    r.out = c.out;
    EXPECT_TRUE(c.status == 0 || c.status == 1) << c.out;
    if (std::filesystem::exists(r.dir / "summary.json")) {
      r.summary = read_summary(r.dir / "summary.json");
      std::printf("%s [%s]: %s\n", name.c_str(), label.c_str(), r.headline().c_str());
      const auto& host = r.summary["host"];
      if (host.contains("cpu_saturated_ticks") && host["cpu_saturated_ticks"].is_number() &&
          host["cpu_saturated_ticks"].get<int>() > 0)
        std::printf("  note: the host's CPUs were saturated in %d ticks\n", host["cpu_saturated_ticks"].get<int>());
    } else {
      ADD_FAILURE() << "no summary.json in " << r.dir << ":\n" << c.out;
      r.summary = nlohmann::json::object({{"verdict", {{"recovered", nullptr}, {"headline", ""}}}});
    }
    return r;
  }
};

}  // namespace faultline::testing
