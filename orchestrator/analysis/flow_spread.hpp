// SPDX-License-Identifier: Apache-2.0
// Where the failure travelled on the wire: for each node pair of the flow
// view, the first tick (from the first fault on; without faults, from the end
// of the baseline) at which one of its trouble rates (retransmissions, drops,
// resets, connection attempts that failed) rose above the highest it reached
// in the baseline, and the pairs in that order. Pure: series in, order out.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/analysis/analysis.hpp"

namespace faultline::analysis {

struct FlowEdgeInput {
  std::string edge;                           // "a->b"
  std::map<std::string, Series> trouble;      // kind ("retransmits", ...) -> rate per tick (NaN: none)
};

struct FlowSpreadInput {
  std::vector<double> times;                  // t of each tick
  size_t baseline_begin = 0, baseline_end = 0;  // [begin, end) ticks
  size_t from = 0;                            // first tick judged
  std::vector<FlowEdgeInput> edges;
};

struct FlowBadEdge {
  std::string edge;
  size_t tick = 0;
  double bad_s = 0;                           // time of that tick
  std::vector<std::string> what;              // the kinds above their baseline then
  std::map<std::string, double> totals;       // kind -> events from `from` on (rate * tick length)
};

// The pairs that went bad, earliest first (ties by name).
std::vector<FlowBadEdge> flow_spread(const FlowSpreadInput& in);

}  // namespace faultline::analysis
