// Every sampled metric of a run, one value per tick, keyed like the rows of
// timeseries.csv (node, service, metric). NaN marks a tick without a value.
#pragma once

#include <compare>
#include <map>
#include <string>

#include "orchestrator/analysis/analysis.hpp"

namespace faultline::experiment {

struct SeriesKey {
  std::string node, service, metric;
  auto operator<=>(const SeriesKey&) const = default;
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
