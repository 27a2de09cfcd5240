// SPDX-License-Identifier: Apache-2.0
// The Prometheus text exposition format (version 0.0.4), read into samples.
// prometheus-cpp only writes it; the collector and the tests read what the
// workloads serve. Strict: a malformed line is an error naming its line, so a
// workload that serves garbage is noticed rather than read as zeros.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace faultline::measure {

using Labels = std::vector<std::pair<std::string, std::string>>;  // in the order written

struct Sample {
  std::string name;   // e.g. faultline_requests_total, x_bucket, x_sum, x_count
  Labels labels;
  double value = 0;
  const std::string* label(std::string_view key) const;
};

Result<std::vector<Sample>> parse_prom_text(std::string_view text);

// Sum of the samples named `name` whose labels include every pair in `match`.
double sum(const std::vector<Sample>& samples, std::string_view name, const Labels& match = {});
// Sum of the samples named `name` that `pred` accepts (all when it is empty).
double sum_if(const std::vector<Sample>& samples, std::string_view name,
              const std::function<bool(const Sample&)>& pred);

// Cumulative bucket counts of histogram `base` (upper bound -> count),
// summed over the series matching `match`.
using Buckets = std::map<double, double>;
Buckets histogram_buckets(const std::vector<Sample>& samples, std::string_view base, const Labels& match = {});
// Observations in `now` that were not in `before` (counters only grow; a
// restarted workload's reset shows as its new counts).
Buckets bucket_delta(const Buckets& now, const Buckets& before);
double quantile(const Buckets& cumulative, double q);

// The q-quantile (0..1) of histogram `base` (its base_bucket samples, summed
// over the series matching `match`), interpolated linearly inside the bucket
// as Prometheus' histogram_quantile does; NaN without observations.
double histogram_quantile(const std::vector<Sample>& samples, std::string_view base, double q,
                          const Labels& match = {});

}  // namespace faultline::measure
