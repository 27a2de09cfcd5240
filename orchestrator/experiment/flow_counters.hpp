// SPDX-License-Identifier: Apache-2.0
// The flow view's per-tick series (node "flow", service "A->B"): the flow
// programs' counters per node pair (measure/flow_pairs.hpp) as rates over the
// tick, and the senders' smoothed RTT as the mean over the packets they sent
// in it. A pair seen for the first time counts from zero: the programs
// started counting at `up`, before any traffic of the run.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "orchestrator/experiment/link_counters.hpp"

namespace faultline::runtime {
class Run;
}

namespace faultline::experiment {

class FlowCounters {
 public:
  explicit FlowCounters(const runtime::Run& run) : run_(run) {}
  // Rates since the previous call (dt seconds); nothing on the first call
  // nor when the run has no flow view.
  std::vector<NetSample> tick(double dt);

 private:
  using Key = std::pair<std::string, std::string>;  // service ("A->B"), counter
  std::map<Key, double> read() const;
  const runtime::Run& run_;
  std::map<Key, double> prev_;
  bool first_ = true;
};

}  // namespace faultline::experiment
