// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/series_store.hpp"

#include <limits>

namespace faultline::experiment {

void SeriesStore::set(size_t tick, const SeriesKey& key, double value) {
  auto& s = series_[key];
  if (s.size() <= tick) s.resize(tick + 1, std::numeric_limits<double>::quiet_NaN());
  s[tick] = value;
  ticks_ = std::max(ticks_, tick + 1);
}

const analysis::Series& SeriesStore::get(const SeriesKey& key) const {
  static const analysis::Series kEmpty;
  auto it = series_.find(key);
  return it == series_.end() ? kEmpty : it->second;
}

void SeriesStore::set_time(size_t tick, double t_s) {
  if (times_.size() <= tick) times_.resize(tick + 1, 0);
  times_[tick] = t_s;
  ticks_ = std::max(ticks_, tick + 1);
}

}  // namespace faultline::experiment
