// SPDX-License-Identifier: Apache-2.0
// The per-tick collection of a running experiment: each workload's /metrics,
// read from inside its node over loopback (a path the experiment's
// impairments never touch), each node's cgroup counters, the network's
// counters (links, segments, the link engine, partitions), the flow view's
// per node pair (retransmissions, drops, resets, failed connects: eBPF) and
// the host's CPU.
// Counters become per-second rates over the real time between two reads of
// the same source and histograms per-tick quantiles; every value is appended to timeseries.csv as it is measured and
// kept in a SeriesStore for the analysis.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "orchestrator/experiment/event_log.hpp"
#include "orchestrator/experiment/flow_counters.hpp"
#include "orchestrator/experiment/link_counters.hpp"
#include "orchestrator/experiment/records.hpp"
#include "orchestrator/experiment/series_store.hpp"
#include "orchestrator/experiment/totals.hpp"
#include "orchestrator/measure/prom_text.hpp"
#include "orchestrator/measure/scraper.hpp"
#include "orchestrator/model/topology.hpp"
#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/process_exit.hpp"

namespace faultline::runtime {
class Run;
}

namespace faultline::experiment {

// One workload whose /metrics is read.
struct ScrapeTarget {
  enum class Kind { kService, kLoad };
  Kind kind = Kind::kService;
  model::NodeId node;
  std::string name;   // the service, or "load:<node>"
  uint16_t port = 0;
};
std::vector<ScrapeTarget> scrape_targets(const model::Topology& topo);
// Per records source (a scrape target's name), how many of its processes
// ended: each took what the workload recorded since its last pull with it
// (records_summary's `ended`). An exit counts for the source the plan
// started its process as (a service, the node's load); a command is no
// source, and an exit whose process is unknown counts for every source of
// its node, erring toward "incomplete".
std::map<std::string, uint64_t> ended_per_source(const model::Topology& topo,
                                                 const std::vector<runtime::ProcessExit>& exits);
// How long a read of /metrics may take: 80% of the tick, within 50..250 ms.
std::chrono::milliseconds scrape_timeout(int64_t tick_ns);

// The dependency edges: (caller, callee service) with the label value the
// caller's metrics use for it ("node:port"). Loads are callers "load:<node>".
struct Edge {
  std::string caller, callee, downstream_label;
  model::NodeId caller_node;  // where the caller runs: its series are recorded under it
  // The edge's series name in timeseries.csv: "caller->callee".
  std::string series() const { return caller + "->" + callee; }
};
std::vector<Edge> call_edges(const model::Topology& topo);

// The latest raw samples of every target, for the host's Prometheus endpoint.
struct LatestScrape {
  model::NodeId node;
  std::string name;
  std::vector<measure::Sample> samples;
};

class Collector {
 public:
  // records_path: where the request records go (records.bin); empty:
  // kept in memory only.
  static Result<std::unique_ptr<Collector>> open(runtime::Run& run, const model::Topology& topo,
                                                 const std::string& csv_path, EventLog& events,
                                                 const std::string& records_path = "");
  ~Collector();

  // Reads everything once. tick is the index, t_s its time since the
  // experiment started. A workload that does not answer (killed, paused,
  // partitioned from nobody: loopback) gives NaN for that tick, not an error.
  void tick(size_t tick, double t_s);

  const SeriesStore& store() const { return store_; }
  // Every workload's request records so far (GET /records each tick).
  const RecordStore& records() const { return records_; }
  // RecordStore::forget on the records so far (an `up` session's bound).
  void forget_records(int64_t before_ns, int64_t keep_begin_ns, int64_t keep_end_ns) {
    records_.forget(before_ns, keep_begin_ns, keep_end_ns);
  }
  std::vector<LatestScrape> latest() const;
  // Every figure of the last tick (safe from another thread, unlike store()).
  std::vector<Figure> latest_figures() const;

 private:
  struct TargetState;
  struct NodeState;
  Collector() = default;
  void record(size_t tick, double t_s, const std::string& node, const std::string& service, const std::string& metric,
              double value);
  void collect_target(TargetState& ts, size_t tick, double t_s);
  void collect_node(NodeState& ns, size_t tick, double t_s);
  void collect_host(size_t tick, double t_s);

  const model::Topology* topo_ = nullptr;
  EventLog* events_ = nullptr;
  FILE* csv_ = nullptr;
  SeriesStore store_;
  RecordStore records_;
  std::vector<std::unique_ptr<TargetState>> targets_;
  std::vector<std::unique_ptr<NodeState>> nodes_;
  std::vector<Edge> edges_;
  TotalsInput totals_;
  std::unique_ptr<LinkCounters> net_;
  std::unique_ptr<FlowCounters> flows_;  // the flow view, read with net_
  std::chrono::steady_clock::time_point net_prev_at_;
  uint64_t host_busy_prev_ = 0, host_total_prev_ = 0;
  mutable std::mutex latest_mu_;  // guards every target's latest and latest_figures_
  std::vector<Figure> latest_figures_;
};

}  // namespace faultline::experiment
