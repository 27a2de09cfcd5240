// SPDX-License-Identifier: Apache-2.0
// Every sampled metric of a run, one value per tick, keyed like the rows of
// timeseries.csv (node, service, metric). NaN marks a tick without a value.
#pragma once

#include <compare>
#include <map>
#include <string>

#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/model/series_names.hpp"

namespace faultline::experiment {

namespace series = model::series;

// One row of timeseries.csv. Built by what it is, not by sentinels spelled
// at each use: the whole system, a node's own figures, a service's (or a
// load generator's, or a call edge's "caller->callee").
struct SeriesKey {
  std::string node, service, metric;
  auto operator<=>(const SeriesKey&) const = default;

  static SeriesKey system(std::string metric) { return {"", series::kSystem, std::move(metric)}; }
  static SeriesKey of_node(std::string node, std::string metric) { return {std::move(node), "", std::move(metric)}; }
  static SeriesKey of(std::string node, std::string service, std::string metric) {
    return {std::move(node), std::move(service), std::move(metric)};
  }
  bool is_system() const { return node.empty() && service == series::kSystem; }
};

class SeriesStore {
 public:
  void set(size_t tick, const SeriesKey& key, double value);
  // An empty series when nothing was recorded under key.
  const analysis::Series& get(const SeriesKey& key) const;
  const std::map<SeriesKey, analysis::Series>& all() const { return series_; }
  size_t ticks() const { return ticks_; }
  const std::vector<double>& times() const { return times_; }
  void set_time(size_t tick, double t_s);

 private:
  std::map<SeriesKey, analysis::Series> series_;
  std::vector<double> times_;
  size_t ticks_ = 0;
};

}  // namespace faultline::experiment
