// SPDX-License-Identifier: Apache-2.0
// `faultline compare`: the variants of an experiment side by side, over
// repeats with different seeds: collapsed or not, time to collapse, recovered
// or not, recovery time, amplification, goodput during the fault, each as a
// mean with its 95% confidence interval (Student's t over the repeats).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace faultline::experiment {

struct Estimate {
  size_t n = 0;                 // repeats that had a value
  double mean = 0;
  std::optional<double> half;   // 95% interval half width; none with one value
  std::string str(int precision = 3) const;  // "12.3 ± 1.4" or "-" without values
};

// Mean and 95% interval of the finite values.
Estimate estimate(const std::vector<double>& values);

// A share of runs (collapsed, recovered) with its 95% Wilson score interval,
// which stays inside [0, 1] and means something at 0/n and n/n, unlike a
// normal approximation over a handful of repeats.
struct Share {
  size_t k = 0, n = 0;
  double lo = 0, hi = 0;
  std::string str() const;  // "3/5 (23-88%)", "0/0"
};
Share share(size_t k, size_t n);

struct VariantRow {
  std::string variant;
  size_t repeats = 0;       // runs that finished (the statistics are over these)
  size_t interrupted = 0;   // runs cut short (Ctrl-C): left out of the statistics
  size_t collapsed = 0, recovered = 0, passed = 0;
  Estimate time_to_collapse_s, recovery_s, amplification, goodput_ratio;
};

// Rows in order of first appearance of each variant. The summaries are
// checked ones (report/summary_check.hpp: experiment.name, verdict, passed).
std::vector<VariantRow> compare_summaries(const std::vector<nlohmann::json>& summaries);
std::string render_table(const std::vector<VariantRow>& rows);   // aligned text
std::string render_csv(const std::vector<VariantRow>& rows);
// For scripts (compare --json): per variant the counts with their 95% Wilson
// intervals and each estimate's mean and 95% half width (null without values).
nlohmann::json render_json(const std::vector<VariantRow>& rows);

}  // namespace faultline::experiment
