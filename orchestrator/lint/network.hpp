// SPDX-License-Identifier: Apache-2.0
// The network's own share of a call's time: the mean one-way delay from one
// node to another along a path of fewest hops over links and segments (as
// the plan routes: shortest paths), the delays of each hop summed in the
// direction travelled. Jitter averages out of the mean; loss and rate limits
// are not modelled.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "orchestrator/model/topology.hpp"

namespace faultline::lint {

class Network {
 public:
  explicit Network(const model::Topology& topo);
  // 0 for a node to itself or to a node it cannot reach.
  int64_t one_way_ns(const std::string& from, const std::string& to) const;
  int64_t round_trip_ns(const std::string& a, const std::string& b) const {
    return one_way_ns(a, b) + one_way_ns(b, a);
  }

 private:
  struct Hop {
    size_t to;
    int64_t delay_ns;
    size_t hops;  // 1, or 0 leaving a segment
  };
  std::map<std::string, size_t> index_;
  std::vector<std::vector<Hop>> adjacent_;  // nodes, then one vertex per segment
  mutable std::map<size_t, std::vector<int64_t>> from_;  // per source, filled on first use
};

}  // namespace faultline::lint
