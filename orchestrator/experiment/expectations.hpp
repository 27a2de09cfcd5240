// SPDX-License-Identifier: Apache-2.0
// The [expect] hypotheses of an experiment, judged after the run against the
// analysis and the recorded series. Each gives its measured value, so a
// failed run says by how much it missed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/experiment/series_store.hpp"
#include "orchestrator/model/topology.hpp"

namespace faultline::experiment {

struct Verdict {
  std::string name;
  std::string metric;
  std::optional<double> measured;  // none: the quantity does not exist (e.g. never recovered)
  model::CompareOp op = model::CompareOp::kLe;
  double threshold = 0;
  bool passed = false;
  std::string detail;
};

// Where the phases lie in ticks, for checks with a `phase`.
struct PhaseTicks {
  size_t baseline_begin = 0, baseline_end = 0;
  size_t fault_begin = 0, fault_end = 0;  // [first fault, last fault end)
  size_t horizon_end = 0;                 // last fault end + horizon (recovery is judged before it)
  size_t end = 0;
  double tick_s = 1;                      // tick i covers ((i-1) * tick_s, i * tick_s]
};

// The series a check's metric names (model::check_series: a timeseries.csv
// name or its alias). Service empty: the whole system. Nullopt when the
// metric is not a series or the service is unknown.
std::optional<SeriesKey> series_for(const model::Topology& topo, const std::string& metric, const std::string& service);

std::vector<Verdict> evaluate(const model::Topology& topo, const model::Expect& expect, const analysis::Findings& a,
                              const SeriesStore& store, const PhaseTicks& phases, double horizon_s);

}  // namespace faultline::experiment
