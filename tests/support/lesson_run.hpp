// SPDX-License-Identifier: Apache-2.0
// A fixture for the lessons' scenario tests (tests/scenario/test_lesson_*.cpp):
// each runs a shipped topology (topologies/NAME.toml) through `faultline run`
// as a student would, with the --set overrides its lesson (docs/lessons/)
// names, and reads the results folder back. The run gets this test's run
// name, state root and metrics port, so nothing clashes with other tests.
// The static helpers read what lessons promise from the results: a client's
// served share, the degraded services, a call's amplification, the share of
// health windows judged one way.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
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
 public:
  // A load generator's goodput as a share of what it offered, over the ticks
  // ending in [t0, t1] s: robust to a host too busy to send at the planned rate.
  static double served_share(const Series& s, const std::string& client, double t0, double t1) {
    const double good = s.mean(client, "load:" + client, "goodput_rps", t0, t1);
    const double offered = s.mean(client, "load:" + client, "offered_rps", t0, t1);
    std::printf("%s: %.1f of %.1f req/s served in %.2f..%.2f s\n", client.c_str(), good, offered, t0, t1);
    return offered > 0 ? good / offered : 0;
  }

  // The services that degraded after the first fault, from the propagation.
  static std::set<std::string> degraded(const nlohmann::json& s) {
    std::set<std::string> out;
    for (const auto& p : s["propagation"]) out.insert(p["service"].get<std::string>());
    return out;
  }

  // A call's amplification entry (per_hop, cumulative, ...); null when the
  // summary has none for it.
  static nlohmann::json amplification(const nlohmann::json& s, const std::string& caller, const std::string& callee) {
    for (const auto& a : s["amplification"])
      if (a["caller"] == caller && a["callee"] == callee) return a;
    return nullptr;
  }

  // The share of the health windows in [t0, t1) s judged with one of `letters`
  // (h, d, f, i, u) for a service or, with "caller->callee", a call.
  static double health_share(const nlohmann::json& s, const std::string& what, double t0, double t1,
                             const std::string& letters) {
    const auto& h = s["health"];
    const double w = h["window_s"].get<double>();
    const auto& table = what.find("->") == std::string::npos ? h["services"] : h["calls"];
    if (!table.contains(what)) return -1;
    const std::string line = table[what].get<std::string>();
    int n = 0, hit = 0;
    for (size_t k = static_cast<size_t>(t0 / w); k < line.size() && (k + 0.5) * w < t1; ++k, ++n)
      hit += letters.find(line[k]) != std::string::npos ? 1 : 0;
    return n ? static_cast<double>(hit) / n : -1;
  }

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
  // One [[variant]] of a shipped file, as written (its results folder named
  // after it).
  LessonRun run_variant(const std::string& name, const std::string& variant) {
    return run_lesson(name, variant, {}, variant);
  }
};

}  // namespace faultline::testing
