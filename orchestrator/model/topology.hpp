// SPDX-License-Identifier: Apache-2.0
// The topology model: one experiment file as plain data. No behaviour, no
// kernel; every quantity already parsed into integers (ns, bytes, bit/s,
// milli-cores, ppm). The loader fills it and validates it; the plan consumes it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/source_loc.hpp"
#include "orchestrator/model/check_kinds.hpp"
#include "orchestrator/model/direction.hpp"
#include "orchestrator/model/ids.hpp"
#include "orchestrator/model/link_id.hpp"
#include "netem/impairment.hpp"
#include "workloads/spec/types.hpp"

namespace faultline::model {

using faultline::SourceLoc;
// What a workload process does is the workloads' own vocabulary
// (workloads/spec/types.hpp); the topology holds it as it is.
using spec::Backoff;
using spec::Call;
using spec::CircuitBreaker;
using spec::DurationDist;
using spec::Endpoint;
using spec::Load;
using spec::RateStep;
using spec::RequestKind;
using spec::RetryThrottle;
using spec::Service;

struct Node {
  SourceLoc loc;
  NodeId name;
  uint32_t cpu_millicores = 0;  // 0: unlimited
  uint64_t memory_bytes = 0;    // 0: unlimited
  uint32_t pids = 1024;         // 0: unlimited
  std::string command;          // any program run in the node instead of / beside services
  uint16_t metrics_port = 0;    // the port /metrics is scraped on; 0: none / the service's
  // A process of the node that ends on its own (an OOM kill, a crash; not a
  // fault's kill) has `faultline run` start the node's processes again after
  // restart_delay_ns, doubled for each restart in a row, as an orchestrator
  // restarts a crashed container (docs/topology.md, `restart`).
  bool restart_on_failure = false;
  int64_t restart_delay_ns = 1'000'000'000;
  std::vector<Service> services;
  std::optional<Load> load;
  bool operator==(const Node&) const = default;
};

enum class Backend { kAuto, kKernel, kUserspace };

struct Link {
  SourceLoc loc;
  NodeId a, b;                           // as written in `between`
  netem::Impairment a_to_b, b_to_a;      // the same unless a direction is overridden
  Backend backend = Backend::kAuto;
  LinkId id() const { return {a, b}; }
  bool operator==(const Link&) const = default;
};

struct Segment {
  SourceLoc loc;
  SegmentId name;
  std::vector<NodeId> members;
  netem::Impairment impairment;          // shared by everyone on the segment
  Backend backend = Backend::kAuto;
  bool operator==(const Segment&) const = default;
};

// What a fault acts on: "node:db", "link:api-db", "segment:storage-net", "load:client".
struct FaultTarget {
  enum class Kind { kNode, kLink, kSegment, kLoad };
  Kind kind = Kind::kNode;
  NodeId node;           // kNode: the node; kLoad: the node the load generator runs in
  SegmentId segment;     // kSegment
  LinkId link;           // kLink: the two nodes, in the link's `between` order
  static FaultTarget on_node(NodeId n) { return {Kind::kNode, std::move(n), {}, {}}; }
  static FaultTarget on_load(NodeId n) { return {Kind::kLoad, std::move(n), {}, {}}; }
  static FaultTarget on_segment(SegmentId s) { return {Kind::kSegment, {}, std::move(s), {}}; }
  static FaultTarget on_link(LinkId l) { return {Kind::kLink, {}, {}, std::move(l)}; }
  // For people: "db", "storage-net", "api-db".
  std::string name() const {
    switch (kind) {
      case Kind::kLink: return link.name();
      case Kind::kSegment: return segment;
      default: return node;
    }
  }
  bool operator==(const FaultTarget&) const = default;
};

struct Fault {
  SourceLoc loc;
  int64_t at_ns = 0;
  int64_t for_ns = 0;     // 0: stays until the end of the run
  int64_t ramp_ns = 0;
  FaultTarget target;
  // Node faults.
  std::optional<uint32_t> cpu_millicores;
  std::optional<uint64_t> memory_bytes;
  enum class Action { kNone, kPause, kKill, kRestart, kCpuHog, kMemoryHog, kPartition };
  Action action = Action::kNone;
  uint64_t hog_bytes = 0;      // memory hog size
  uint32_t hog_millicores = 0; // cpu hog size
  // Link / segment faults. `impairment` holds only the keys the fault sets
  // (over a neutral impairment); set when the fault sets any.
  std::optional<netem::Impairment> impairment;
  // For links, in the link's `between` order (Link::a, Link::b): the loader
  // turns "a->b" of target "link:db-api" into b->a when the link is
  // between = ["api", "db"].
  Direction direction = Direction::kBoth;
  // What the target does while an impairment fault is active: its own
  // impairment with the fault's keys laid over it (keys the fault does not set
  // keep the target's values). For links these follow Link::a_to_b / b_to_a;
  // a direction the fault does not touch keeps the link's own impairment. For
  // segments both equal the segment's impairment during the fault. Neutral
  // unless `impairment` is set.
  netem::Impairment during_a_to_b, during_b_to_a;
  // Load faults.
  std::optional<double> rate;
  bool operator==(const Fault&) const = default;
};

// A named hypothesis evaluated after the run.
struct Check {
  SourceLoc loc;
  std::string name;
  std::string metric;       // e.g. "goodput", "p99", "amplification"
  std::string service;      // empty: whole system
  Aggregate aggregate = Aggregate::kMean;
  Phase phase = Phase::kFault;
  // A window instead of a phase: the ticks ending in (from, to], times since
  // the experiment started.
  std::optional<int64_t> from_ns, to_ns;
  CompareOp op = CompareOp::kLe;
  double threshold = 0;
  bool operator==(const Check&) const = default;
};

// The measurement vocabulary's thresholds (docs/design.md), as [expect] sets them.
struct Judgement {
  int64_t health_window_ns = 100'000'000;    // requests judged in windows of 100 ms
  int64_t onset_resolution_ns = 50'000'000;  // onsets closer than this are simultaneous
  uint32_t failed_good_ppm = 100'000;        // failed: fewer than 10% of its requests answered well
  double slo_factor = 2.0;                   // p99 SLO = this x baseline p99 ...
  std::optional<int64_t> slo_p99_ns;         // ... unless set for every service
  uint32_t collapse_goodput_ppm = 100'000;   // collapse: system goodput below 10% of offered
  uint32_t recovered_goodput_ppm = 950'000;  // recovered: goodput >= 95% of baseline
  double recovered_p99 = 1.1;                // ... and p99 <= 1.1 x baseline
  int64_t recovery_window_ns = 5'000'000'000;  // ... over a window of 5 s
  uint32_t load_back_ppm = 100'000;          // metastable: offered within 10% of its baseline
  bool operator==(const Judgement&) const = default;
};

struct Expect {
  SourceLoc loc;
  Judgement judge;
  std::optional<int64_t> recovers_within_ns;
  std::optional<bool> collapse;            // true: must collapse; false: must not
  std::optional<double> max_cumulative_amplification;  // attempts on any call per organic request
  std::optional<double> max_hop_amplification;         // attempts per call on any call edge
  std::optional<uint32_t> max_blast_radius_ppm;
  std::vector<Check> checks;
  bool operator==(const Expect&) const = default;
};

struct Experiment {
  SourceLoc loc;
  std::string name = "experiment";
  int64_t duration_ns = 60'000'000'000;
  uint64_t seed = 1;
  int64_t warmup_ns = 5'000'000'000;
  int64_t baseline_ns = 10'000'000'000;
  int64_t horizon_ns = 30'000'000'000;
  int64_t tick_ns = 1'000'000'000;
  // The private IPv4 pool node addresses come from.
  uint32_t pool_addr = (10u << 24) | (77u << 16);  // 10.77.0.0
  uint8_t pool_prefix = 16;
  Backend backend = Backend::kAuto;
  uint16_t metrics_port = 9464;
  // Request records: at most this many organic requests per second of each
  // load generator are traced (head sampling above it); 0: every request.
  double trace_rps = 2000;
  // An `up` session keeps the request records of its baseline and of this
  // last stretch only, so its memory and its live analysis stay bounded.
  int64_t live_records_ns = 600'000'000'000;
  bool operator==(const Experiment&) const = default;
};

// A named set of overrides ([[variant]]): the same experiment with other
// settings, e.g. retries = 0 against retries = 3 with a budget.
struct Variant {
  SourceLoc loc;
  std::string name;
  std::vector<std::string> set;   // "key=value", as for --set
  bool operator==(const Variant&) const = default;
};

struct Topology {
  std::string file;
  // The document as loaded, overrides (--set, a variant's set) applied, as
  // JSON: the configuration a run's summary.json records. Keys left out
  // take the defaults docs/topology.md gives.
  std::string document_json;
  Experiment experiment;
  std::vector<Node> nodes;
  std::vector<Link> links;
  std::vector<Segment> segments;
  std::vector<Fault> faults;
  Expect expect;
  std::vector<Variant> variants;

  const Node* find_node(const std::string& name) const {
    for (const auto& n : nodes)
      if (n.name == name) return &n;
    return nullptr;
  }
};

}  // namespace faultline::model
