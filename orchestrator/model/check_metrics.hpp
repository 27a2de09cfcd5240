// SPDX-License-Identifier: Apache-2.0
// What an [[expect.check]] may measure: the recorded series (by their
// timeseries.csv names or a short alias) and the analysis' scalars. One list
// for the loader, which refuses anything else, and the expectations, which
// look the series up; the collector records every one of them for the whole
// system and, where they exist per service, for each service.
#pragma once

#include <string>
#include <vector>

namespace faultline::model {

struct CheckMetric {
  std::string name;          // as in timeseries.csv: "goodput_rps"
  std::string alias;         // "goodput"; empty when none
  bool per_service = true;   // also measured per service (else only for the whole system)
  bool node_level = false;   // a service's value is its node's (cgroup) series
};

const std::vector<CheckMetric>& check_series();
// The analysis' scalars: amplification, blast_radius, recovery_time, ...
const std::vector<std::string>& check_scalars();
// Every name a check may use (series, aliases, scalars), for "did you mean".
std::vector<std::string> check_metric_names();
// The series a name or alias means; null for scalars and unknown names.
const CheckMetric* find_check_series(const std::string& name);

}  // namespace faultline::model
