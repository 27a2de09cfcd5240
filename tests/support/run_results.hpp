// SPDX-License-Identifier: Apache-2.0
// Reading a `faultline run` results folder in tests: files, summary.json
// (checked against its schema), the events log, and timeseries.csv as series
// by (node, service, metric).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/slurp.hpp"
#include "tests/support/summary_schema.hpp"

namespace faultline::testing {

// A run's summary.json, after checking it against docs/summary.schema.json
// (a mismatch fails the test, and the summary is still returned).
inline nlohmann::json read_summary(const std::filesystem::path& p) {
  EXPECT_TRUE(matches_summary_schema(p));
  return nlohmann::json::parse(slurp(p));
}

inline std::vector<nlohmann::json> read_events(const std::filesystem::path& p) {
  std::vector<nlohmann::json> out;
  std::ifstream f(p);
  for (std::string line; std::getline(f, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

// A port for this test process: tests of other binaries run in parallel.
inline uint16_t test_port(int salt) { return static_cast<uint16_t>(20000 + (::getpid() * 7 + salt) % 20000); }

// timeseries.csv (t,node,service,metric,value) by (node, service, metric), t -> value.
class Series {
 public:
  explicit Series(const std::filesystem::path& csv) {
    std::ifstream f(csv);
    std::string line;
    std::getline(f, line);  // header
    while (std::getline(f, line)) {
      std::vector<std::string> c;
      std::stringstream ss(line);
      for (std::string cell; std::getline(ss, cell, ',');) c.push_back(cell);
      if (c.size() == 4) c.push_back("");  // an empty value: missing
      if (c.size() != 5 || c[4].empty()) continue;
      data_[{c[1], c[2], c[3]}][std::stod(c[0])] = std::stod(c[4]);
    }
  }
  // The mean over ticks with t in [t0, t1]; NaN when there is none.
  double mean(const std::string& node, const std::string& service, const std::string& metric, double t0,
              double t1) const {
    const auto it = data_.find({node, service, metric});
    if (it == data_.end()) return std::numeric_limits<double>::quiet_NaN();
    double sum = 0;
    int n = 0;
    for (const auto& [t, v] : it->second)
      if (t >= t0 - 1e-9 && t <= t1 + 1e-9) {
        sum += v;
        ++n;
      }
    return n ? sum / n : std::numeric_limits<double>::quiet_NaN();
  }
  double min(const std::string& node, const std::string& service, const std::string& metric, double t0,
             double t1) const {
    double m = std::numeric_limits<double>::infinity();
    const auto it = data_.find({node, service, metric});
    if (it != data_.end())
      for (const auto& [t, v] : it->second)
        if (t >= t0 - 1e-9 && t <= t1 + 1e-9) m = std::min(m, v);
    return m;
  }
  std::vector<std::tuple<std::string, std::string, std::string>> keys() const {
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    for (const auto& [k, v] : data_) out.push_back(k);
    return out;
  }
  bool has(const std::string& node, const std::string& service, const std::string& metric) const {
    return data_.count({node, service, metric}) > 0;
  }

 private:
  std::map<std::tuple<std::string, std::string, std::string>, std::map<double, double>> data_;
};

}  // namespace faultline::testing
