// SPDX-License-Identifier: Apache-2.0
// The two small languages of service and call keys: duration distributions
// (work = "exp(2ms)") and retry backoff (backoff = "10ms exp jitter cap 1s").
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.hpp"
#include "orchestrator/model/topology.hpp"

namespace faultline::model::detail {

// "0", "2ms", "exp(2ms)", "lognormal(2ms, 1ms)", "pareto(2ms, 1.5)",
// "uniform(1ms, 3ms)", "normal(2ms, 0.5ms)".
Result<DurationDist> parse_duration_dist(std::string_view s);

// "none", "10ms", "10ms exp", "10ms exp jitter", "10ms exp equal-jitter",
// "10ms exp decorrelated", each optionally followed by "cap 1s".
Result<Backoff> parse_backoff(std::string_view s);

// The cap a backoff gets when none is written: Envoy's 10x the base, or the
// longest duration there is when that would not fit (a base of 1000000h).
inline constexpr int64_t kDefaultCapFactor = 10;
inline constexpr int64_t default_cap(int64_t base_ns) {
  return base_ns > INT64_MAX / kDefaultCapFactor ? INT64_MAX : base_ns * kDefaultCapFactor;
}

inline constexpr const char* kDistForms =
    "a duration (\"2ms\"), exp(mean), lognormal(mean, stddev), pareto(mean, alpha), uniform(min, max), "
    "normal(mean, stddev)";
inline constexpr const char* kBackoffForms =
    "\"none\", \"<base>\" (constant), \"<base> exp\", optionally followed by jitter, equal-jitter or decorrelated, "
    "then optionally \"cap <duration>\", e.g. \"10ms exp jitter cap 1s\"";

}  // namespace faultline::model::detail
