// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/analysis/flow_spread.hpp"

#include <algorithm>
#include <cmath>

namespace faultline::analysis {

namespace {
double at(const Series& s, size_t i) { return i < s.size() && std::isfinite(s[i]) ? s[i] : 0.0; }
}  // namespace

std::vector<FlowBadEdge> flow_spread(const FlowSpreadInput& in) {
  std::vector<FlowBadEdge> out;
  const size_t n = in.times.size();
  for (const auto& e : in.edges) {
    std::map<std::string, double> ceiling;  // the highest rate of each kind in the baseline
    for (const auto& [kind, s] : e.trouble) {
      double hi = 0;
      for (size_t i = in.baseline_begin; i < std::min(in.baseline_end, n); ++i) hi = std::max(hi, at(s, i));
      ceiling[kind] = hi;
    }
    std::optional<FlowBadEdge> bad;
    for (size_t i = in.from; i < n && !bad; ++i)
      for (const auto& [kind, s] : e.trouble)
        if (at(s, i) > ceiling[kind]) {
          if (!bad) bad = FlowBadEdge{e.edge, i, in.times[i], {}, {}};
          bad->what.push_back(kind);
        }
    if (!bad) continue;
    for (const auto& [kind, s] : e.trouble) {
      double total = 0;
      for (size_t i = std::max<size_t>(in.from, 1); i < n; ++i) total += at(s, i) * (in.times[i] - in.times[i - 1]);
      bad->totals[kind] = total;
    }
    out.push_back(std::move(*bad));
  }
  std::sort(out.begin(), out.end(), [](const FlowBadEdge& a, const FlowBadEdge& b) {
    return a.tick != b.tick ? a.tick < b.tick : a.edge < b.edge;
  });
  return out;
}

}  // namespace faultline::analysis
