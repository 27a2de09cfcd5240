// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/report/series.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

namespace faultline::report {
namespace {

// One CSV record's fields; quoted fields may hold commas and doubled quotes
// (RFC 4180). Names in this project never need quoting, but a reader that
// mis-splits a quoted field would silently shift every later column.
std::vector<std::string> split_fields(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::optional<double> parse_number(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// 6 significant digits: the JSON then prints short numbers (0.004123, not
// 0.0041230000000000002) and the page stays small.
double round6(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return std::strtod(buf, nullptr);
}

// Times are keyed in microseconds so that 0.1 + 0.2 and 0.3 are one tick.
int64_t time_key(double t) { return std::llround(t * 1e6); }

}  // namespace

nlohmann::json columnar_series(const std::string& csv) {
  using Key = std::tuple<std::string, std::string, std::string>;  // metric, node, service
  std::map<int64_t, double> times;
  std::map<Key, std::map<int64_t, double>> samples;  // NaN kept: an explicit "no value"
  size_t skipped = 0;

  size_t pos = 0;
  bool first = true;
  while (pos < csv.size()) {
    size_t nl = csv.find('\n', pos);
    if (nl == std::string::npos) nl = csv.size();
    std::string_view line(csv.data() + pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    auto f = split_fields(line);
    if (first) {
      first = false;
      if (!f.empty() && f[0] == "t") continue;  // the header
    }
    if (f.size() != 5) {
      ++skipped;
      continue;
    }
    const auto t = parse_number(f[0]);
    if (!t || !std::isfinite(*t) || f[3].empty()) {
      ++skipped;
      continue;
    }
    const auto v = parse_number(f[4]);
    if (!v && !f[4].empty() && f[4] != "nan" && f[4] != "NaN") {
      ++skipped;
      continue;
    }
    const int64_t k = time_key(*t);
    times.emplace(k, *t);
    samples[Key{f[3], f[1], f[2]}][k] = v ? *v : std::nan("");
  }

  std::map<int64_t, size_t> index;
  nlohmann::json t = nlohmann::json::array();
  for (const auto& [k, v] : times) {
    index.emplace(k, index.size());
    t.push_back(round6(v));
  }
  nlohmann::json series = nlohmann::json::array();
  for (const auto& [key, by_time] : samples) {
    nlohmann::json v(std::vector<std::nullptr_t>(times.size(), nullptr));
    for (const auto& [k, x] : by_time) {
      if (std::isfinite(x)) v[index.at(k)] = round6(x);
    }
    series.push_back({{"m", std::get<0>(key)}, {"n", std::get<1>(key)}, {"s", std::get<2>(key)}, {"v", std::move(v)}});
  }
  return {{"t", std::move(t)}, {"series", std::move(series)}, {"skipped", skipped}};
}

}  // namespace faultline::report
