// SPDX-License-Identifier: Apache-2.0
// Live link impairments and partitions of a run, whatever carries them: the
// impairments through a LinkBackend chosen per link and segment at `up`
// (kernel netem qdiscs, kernel_links.hpp, or the userspace link engine,
// engine_links.hpp), partitions as eBPF filters at the receiving nodes'
// ingress. The same calls serve the experiment timeline and `faultline fault`
// at the keyboard.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/result.hpp"
#include "netem/impairment.hpp"
#include "orchestrator/plan/lookup.hpp"
#include "orchestrator/plan/plan.hpp"

namespace faultline::ebpf {
class PartitionFilter;
struct PartitionRule;
}

namespace faultline::runtime {

class Run;
class LinkBackend;

using model::Direction;  // parsed once, by the loader or the CLI
using model::to_string;

struct PartitionSpec {
  std::vector<model::NodeId> from, to;  // traffic from `from` to `to` is dropped
  uint8_t proto = 0;                  // 0 any, 1 icmp, 6 tcp, 17 udp
  uint16_t port_lo = 0, port_hi = 0;  // destination ports (tcp/udp); 0: any
  int64_t flap_on_ns = 0, flap_off_ns = 0;
  std::string describe() const;
};

struct PartitionInfo {
  uint32_t id = 0;
  PartitionSpec spec;
  uint64_t dropped = 0, passed = 0;
  // Empty for a partition in force on every node of spec.to. Otherwise the
  // nodes that still hold its rules after a change failed and could not be
  // undone: `heal ID` removes them.
  std::vector<model::NodeId> left_on;
};

class LinkControl {
 public:
  // Starts what the plan needs to impair links live: offloads off on engine
  // ports, the link engine, kernel qdiscs. Partition filters attach lazily.
  static Result<std::unique_ptr<LinkControl>> start(Run& run, bool kernel_clsact_bpf);
  ~LinkControl();

  // The impairment of a link direction / segment now, and what the plan gave it.
  Result<netem::Impairment> current_link(const model::LinkId& link, Direction d) const;
  Result<netem::Impairment> current_segment(const model::SegmentId& seg) const;
  // Each call changes one or both directions, all or nothing: when the
  // second direction fails, the first is put back.
  Status set_link(const model::LinkId& link, Direction d, const netem::Impairment& imp);
  Status set_link(const model::LinkId& link, const netem::Impairment& a_to_b, const netem::Impairment& b_to_a);
  Status set_segment(const model::SegmentId& seg, const netem::Impairment& imp);
  Status reset_link(const model::LinkId& link);   // back to the planned impairments
  Status reset_segment(const model::SegmentId& seg);

  // Partitions change every receiving node's rules, all or nothing: when one
  // node refuses (its kernel, or the limit of ebpf::kMaxPartitionRules rules
  // per node, which is checked before anything changes), the nodes already
  // changed get their rules back and filters attached for the change are
  // removed, so the kernel holds what it held before. Several specs (both
  // ways, a node cut from all) are one change with one id each.
  Result<uint32_t> partition(const PartitionSpec& spec);
  Result<std::vector<uint32_t>> partition(const std::vector<PartitionSpec>& specs);
  Status heal(uint32_t id);
  Status heal_all();
  // In force, and left over from changes that failed and could not be undone.
  std::vector<PartitionInfo> partitions() const;

  // Engine counters (its "stats" answer) or null when no engine runs.
  nlohmann::json engine_stats() const;
  // Everything active now, for `faultline fault RUN list`.
  nlohmann::json describe() const;
  // Resolves "api-db", "db-api", "api->db" or "db->api" to the plan's link
  // and how it was named (plan::find_link, the one resolver of link names).
  Result<plan::LinkRef> resolve_link(std::string_view name) const;

 private:
  explicit LinkControl(Run& run);
  // Every node in `nodes` to the rules `target` gives it, all or nothing.
  Status change_partitions(const std::map<uint32_t, PartitionSpec>& target, const std::vector<model::NodeId>& nodes);
  Result<std::vector<ebpf::PartitionRule>> rules_for(const model::NodeId& node,
                                                     const std::map<uint32_t, PartitionSpec>& set) const;
  Result<std::unique_ptr<ebpf::PartitionFilter>> attach_filter(const model::NodeId& node);
  // Nodes whose filter holds rules of partition `id`.
  std::vector<model::NodeId> nodes_holding(uint32_t id) const;
  // Drops leftovers that no node holds any more (or that are in force).
  void forget_healed_leftovers();

  Run& run_;
  bool bpf_ok_ = false;
  // The carriers this run uses, started at `up`: the kernel's always (it
  // also gives a plain veth pair qdiscs live), the engine's when the plan
  // needs it. Each link and segment is mapped to one of them, once.
  std::unique_ptr<LinkBackend> kernel_, engine_;
  std::map<model::LinkId, LinkBackend*> link_backend_;
  std::map<model::SegmentId, LinkBackend*> segment_backend_;
  // link -> {a->b, b->a} now; segment name -> now.
  std::map<model::LinkId, std::pair<netem::Impairment, netem::Impairment>> links_now_, links_planned_;
  std::map<model::SegmentId, netem::Impairment> segs_now_, segs_planned_;
  std::map<model::NodeId, std::unique_ptr<ebpf::PartitionFilter>> filters_;
  std::map<uint32_t, PartitionSpec> partitions_;  // in force on all their nodes
  // Specs of partitions whose rules some node still holds after a failed
  // change could not be undone (the filters' rules say where).
  std::map<uint32_t, PartitionSpec> leftovers_;
  uint32_t next_partition_ = 1;
};

}  // namespace faultline::runtime
