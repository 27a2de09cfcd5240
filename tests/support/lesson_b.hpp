// SPDX-License-Identifier: Apache-2.0
// A fixture for the lessons' scenario tests (tests/scenario/test_lesson_*.cpp):
// each runs a shipped topology (topologies/NAME.toml) through `faultline run`,
// one [[variant]] at a time, and reads what the lesson promises from the
// results folder: summary.json (checked against its schema), the series and
// the events.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tests/support/cli_run_test.hpp"
#include "tests/support/run_results.hpp"

namespace faultline::testing {

class LessonTest : public CliRunTest {
 public:
  struct Outcome {
    int status = -1;  // faultline's exit code: 0 expectations held, 1 one failed
    std::string out;
    std::filesystem::path dir;
    nlohmann::json summary;
  };

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

 protected:
  // `faultline run topologies/<name>.toml --variant <variant>`, its metrics
  // port this test's own (salt: one per test), its results in their own
  // folder. A run that did not finish (exit code above 1) fails the test.
  Outcome run_lesson(const std::string& name, const std::string& variant, int salt) {
    Outcome o;
    o.dir = dir_ / ("results-" + variant);
    const std::string file = std::string(FL_SOURCE_DIR) + "/topologies/" + name + ".toml";
    const auto r = run_cmd(cli("run " + file + " --variant " + variant + " --name " + run_ + " --out " +
                               o.dir.string() + " -q --set experiment.metrics_port=" + std::to_string(test_port(salt))));
    o.status = r.status;
    o.out = r.out;
    EXPECT_TRUE(r.status == 0 || r.status == 1) << r.out;
    if (!std::filesystem::exists(o.dir / "summary.json")) {
      ADD_FAILURE() << "no summary.json: " << r.out;
      return o;
    }
    o.summary = read_summary(o.dir / "summary.json");
    const auto& v = o.summary["verdict"];
    std::printf("%s/%s: exit %d; %s; blast radius %.2f; host CPU saturated in %d ticks\n", name.c_str(),
                variant.c_str(), r.status, v["headline"].get<std::string>().c_str(), v["blast_radius"].get<double>(),
                o.summary["host"]["cpu_saturated_ticks"].get<int>());
    return o;
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
};

}  // namespace faultline::testing
