// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace faultline::experiment {

namespace {

// Two-sided 95% quantiles of Student's t by degrees of freedom.
double t95(size_t dof) {
  static const double kT[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                              2.201, 2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                              2.080, 2.074,  2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (dof < std::size(kT)) return kT[dof];
  return 1.96;
}

std::optional<double> get(const nlohmann::json& j, const char* a, const char* b = nullptr) {
  const nlohmann::json* p = j.contains(a) ? &j[a] : nullptr;
  if (p && b) p = p->contains(b) ? &(*p)[b] : nullptr;
  if (!p || !p->is_number()) return std::nullopt;
  return p->get<double>();
}

// A boolean field that is true; absent, null or another type is false.
bool flag(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

std::string Estimate::str(int precision) const {
  if (n == 0) return "-";
  char b[64];
  if (half) std::snprintf(b, sizeof b, "%.*g ± %.*g", precision, mean, 2, *half);
  else std::snprintf(b, sizeof b, "%.*g", precision, mean);
  return b;
}

Estimate estimate(const std::vector<double>& values) {
  Estimate e;
  double sum = 0;
  for (double v : values)
    if (std::isfinite(v)) sum += v, ++e.n;
  if (e.n == 0) return e;
  e.mean = sum / e.n;
  if (e.n >= 2) {
    double ss = 0;
    for (double v : values)
      if (std::isfinite(v)) ss += (v - e.mean) * (v - e.mean);
    e.half = t95(e.n - 1) * std::sqrt(ss / (e.n - 1)) / std::sqrt(static_cast<double>(e.n));
  }
  return e;
}

std::string Share::str() const {
  if (n == 0) return "0/0";
  char b[64];
  std::snprintf(b, sizeof b, "%zu/%zu (%.0f-%.0f%%)", k, n, lo * 100, hi * 100);
  return b;
}

Share share(size_t k, size_t n) {
  Share s{k, n, 0, 0};
  if (n == 0) return s;
  const double z = 1.96, nn = static_cast<double>(n), p = static_cast<double>(k) / nn;
  const double denom = 1 + z * z / nn;
  const double centre = (p + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  s.lo = std::max(0.0, centre - half);
  s.hi = std::min(1.0, centre + half);
  return s;
}

std::vector<VariantRow> compare_summaries(const std::vector<nlohmann::json>& summaries) {
  std::vector<VariantRow> rows;
  std::map<std::string, size_t> index;
  std::map<std::string, std::vector<double>> ttc, rec, amp, good;
  for (const auto& s : summaries) {
    const std::string v = s.value("/experiment/variant"_json_pointer, std::string());
    const std::string name = v.empty() ? "(base)" : v;
    auto [it, inserted] = index.emplace(name, rows.size());
    if (inserted) {
      VariantRow row;
      row.variant = name;
      rows.push_back(row);
    }
    auto& r = rows[it->second];
    // A run cut short measured nothing it could be judged by.
    if (s.value("/experiment/interrupted"_json_pointer, false)) {
      ++r.interrupted;
      continue;
    }
    ++r.repeats;
    const auto& verdict = s.contains("verdict") ? s["verdict"] : nlohmann::json::object();
    if (flag(verdict, "collapsed")) ++r.collapsed;
    if (flag(verdict, "recovered")) ++r.recovered;
    if (s.value("passed", false)) ++r.passed;
    if (auto x = get(s, "verdict", "time_to_collapse_s")) ttc[name].push_back(*x);
    if (auto x = get(s, "verdict", "recovery_s")) rec[name].push_back(*x);
    if (auto x = get(s, "verdict", "max_cumulative_amplification")) amp[name].push_back(*x);
    if (auto x = get(s, "figures", "goodput_during_fault_ratio")) good[name].push_back(*x);
  }
  for (auto& r : rows) {
    r.time_to_collapse_s = estimate(ttc[r.variant]);
    r.recovery_s = estimate(rec[r.variant]);
    r.amplification = estimate(amp[r.variant]);
    r.goodput_ratio = estimate(good[r.variant]);
  }
  return rows;
}

namespace {
std::string percent(const Estimate& e) {
  if (e.n == 0) return "-";
  Estimate p = e;
  p.mean *= 100;
  if (p.half) *p.half *= 100;
  return p.str() + " %";
}
}  // namespace

std::string render_table(const std::vector<VariantRow>& rows) {
  std::vector<std::vector<std::string>> cells = {{"variant", "runs", "collapsed", "time to collapse (s)", "recovered",
                                                  "recovery (s)", "cumulative amplification", "goodput in fault", "passed"}};
  for (const auto& r : rows) {
    const std::string n = std::to_string(r.repeats);
    // A mean over fewer runs than the row's (only those that collapsed, or
    // recovered) says over how many.
    auto over = [&](const Estimate& e, std::string text) {
      if (e.n > 0 && e.n < r.repeats) text += " (" + std::to_string(e.n) + (e.n == 1 ? " run)" : " runs)");
      return text;
    };
    cells.push_back({r.variant, n + (r.interrupted ? " (+" + std::to_string(r.interrupted) + " interrupted)" : ""),
                     share(r.collapsed, r.repeats).str(), over(r.time_to_collapse_s, r.time_to_collapse_s.str()),
                     share(r.recovered, r.repeats).str(), over(r.recovery_s, r.recovery_s.str()), r.amplification.str(),
                     percent(r.goodput_ratio), std::to_string(r.passed) + "/" + n});
  }
  std::vector<size_t> w(cells[0].size(), 0);
  for (const auto& row : cells)
    for (size_t i = 0; i < row.size(); ++i) {
      // Display width: "±" is two bytes, one column.
      size_t len = row[i].size();
      for (size_t p = row[i].find("±"); p != std::string::npos; p = row[i].find("±", p + 1)) --len;
      w[i] = std::max(w[i], len);
    }
  std::string out;
  for (size_t r = 0; r < cells.size(); ++r) {
    for (size_t i = 0; i < cells[r].size(); ++i) {
      size_t len = cells[r][i].size();
      for (size_t p = cells[r][i].find("±"); p != std::string::npos; p = cells[r][i].find("±", p + 1)) --len;
      out += cells[r][i] + std::string(w[i] - len + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
  }
  return out;
}

std::string render_csv(const std::vector<VariantRow>& rows) {
  std::string out =
      "variant,runs,collapsed,recovered,passed,time_to_collapse_s_mean,time_to_collapse_s_ci95,recovery_s_mean,"
      "recovery_s_ci95,cumulative_amplification_mean,cumulative_amplification_ci95,goodput_in_fault_ratio_mean,goodput_in_fault_ratio_ci95,"
      "collapsed_ci95_lo,collapsed_ci95_hi,recovered_ci95_lo,recovered_ci95_hi,interrupted\n";
  auto est = [](const Estimate& e) {
    if (e.n == 0) return std::string(",");
    char b[64];
    std::snprintf(b, sizeof b, "%.6g,", e.mean);
    std::string s = b;
    if (e.half) std::snprintf(b, sizeof b, "%.6g", *e.half), s += b;
    return s;
  };
  auto bounds = [](const Share& s) {
    if (s.n == 0) return std::string(",");
    char b[48];
    std::snprintf(b, sizeof b, "%.4g,%.4g", s.lo, s.hi);
    return std::string(b);
  };
  for (const auto& r : rows)
    out += r.variant + "," + std::to_string(r.repeats) + "," + std::to_string(r.collapsed) + "," +
           std::to_string(r.recovered) + "," + std::to_string(r.passed) + "," + est(r.time_to_collapse_s) + "," +
           est(r.recovery_s) + "," + est(r.amplification) + "," + est(r.goodput_ratio) + "," + bounds(share(r.collapsed, r.repeats)) +
           "," + bounds(share(r.recovered, r.repeats)) + "," + std::to_string(r.interrupted) + "\n";
  return out;
}

nlohmann::json render_json(const std::vector<VariantRow>& rows) {
  using nlohmann::json;
  auto est = [](const Estimate& e) {
    return json{{"n", e.n}, {"mean", e.n ? json(e.mean) : json(nullptr)}, {"ci95", e.half ? json(*e.half) : json(nullptr)}};
  };
  auto shr = [](size_t k, size_t n) {
    const Share s = share(k, n);
    return json{{"k", s.k}, {"n", s.n}, {"ci95_lo", s.n ? json(s.lo) : json(nullptr)}, {"ci95_hi", s.n ? json(s.hi) : json(nullptr)}};
  };
  json out = json::array();
  for (const auto& r : rows)
    out.push_back({{"variant", r.variant},
                   {"runs", r.repeats},
                   {"interrupted", r.interrupted},
                   {"passed", r.passed},
                   {"collapsed", shr(r.collapsed, r.repeats)},
                   {"recovered", shr(r.recovered, r.repeats)},
                   {"time_to_collapse_s", est(r.time_to_collapse_s)},
                   {"recovery_s", est(r.recovery_s)},
                   {"cumulative_amplification", est(r.amplification)},
                   {"goodput_in_fault_ratio", est(r.goodput_ratio)}});
  return out;
}

}  // namespace faultline::experiment
