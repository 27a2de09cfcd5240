// SPDX-License-Identifier: Apache-2.0
// The flow view's per-tick series. Per node pair (node "flow", service
// "A->B"): the flow programs' counters (measure/flow_pairs.hpp) as rates over
// the tick, and the senders' smoothed RTT as the mean over the packets they
// sent in it. Per node (service ""): the run-queue delay of its tasks, as
// the mean and p99 of the waits that ended in the tick and as the seconds
// waited per second. A pair or node seen for the first time counts from
// zero: the programs started counting at `up`, before any traffic of the run.
// A counter that went back (the programs were reloaded) gives no value for
// that tick, never a negative rate; after a reading that failed, the next
// one's changes are rates over both ticks.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "base/result.hpp"
#include "ebpf/flow_loader.hpp"
#include "orchestrator/experiment/link_counters.hpp"
#include "orchestrator/plan/plan.hpp"

namespace faultline::runtime {
class Run;
}

namespace faultline::experiment {

class FlowCounters {
 public:
  // The programs' counters since load; an error or no reader: no values.
  using Reader = std::function<Result<ebpf::FlowSnapshot>()>;
  // nodes[i] is the node the programs call node i.
  FlowCounters(const plan::Plan& plan, std::vector<std::string> nodes, Reader read)
      : plan_(plan), nodes_(std::move(nodes)), read_(std::move(read)) {}
  // The run's flow view (none when it has none).
  explicit FlowCounters(const runtime::Run& run);
  // Rates since the previous call (dt seconds); nothing on the first call
  // nor when the run has no flow view.
  std::vector<NetSample> tick(double dt);

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // node, service, counter
  // The counters now; nullopt when they could not be read.
  std::optional<std::map<Key, double>> read() const;
  const plan::Plan& plan_;
  std::vector<std::string> nodes_;
  Reader read_;
  std::map<Key, double> prev_;
  bool first_ = true;
  double unread_s_ = 0;  // the time since the last reading that worked, before this tick
};

}  // namespace faultline::experiment
