// SPDX-License-Identifier: Apache-2.0
// Per-tick counters of the run's network, beside the workloads' own metrics:
// - every link direction: packets and bytes sent at the sender's interface and
//   received at the receiver's (whatever carries the link), per second;
// - every segment member: packets sent onto and received from the segment;
// - the link engine, where it carries a link or a segment: packets it
//   dropped (loss, queue limit) and delivered, exactly, per direction;
// - each partition: the packets its eBPF rule dropped.
// Series: node "link:A-B" with service "A->B", node "segment:S" with the
// member (or "" for the engine's bottleneck), node "partition" with the
// partition's description.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace faultline::runtime {
class Run;
}

namespace faultline::experiment {

struct NetSample {
  std::string node, service, metric;
  double value = 0;
};

class LinkCounters {
 public:
  explicit LinkCounters(runtime::Run& run) : run_(run) {}
  // Rates since the previous call (dt seconds); nothing on the first call.
  // A counter that went backwards (a partition healed and made again) is
  // skipped for that tick.
  std::vector<NetSample> tick(double dt);

 private:
  using Key = std::tuple<std::string, std::string, std::string>;
  std::map<Key, double> read_counters();
  runtime::Run& run_;
  std::map<Key, double> prev_;
  bool first_ = true;
};

}  // namespace faultline::experiment
