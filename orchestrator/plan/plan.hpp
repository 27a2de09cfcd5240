// SPDX-License-Identifier: Apache-2.0
// The plan: the complete list of kernel objects and processes a run creates,
// derived from a validated topology alone (pure, no root). `faultline plan`
// prints it; the runtime instantiates it in order and records each object in
// the run's state file before creating it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/ipv4.hpp"
#include "orchestrator/model/topology.hpp"
#include "orchestrator/plan/process_kind.hpp"
#include "workloads/spec/config.hpp"

namespace faultline::plan {

// Namespaces are named by node; the fabric holds bridges of segments.
inline constexpr const char* kFabric = "fabric";

struct NamespacePlan {
  std::string name;      // node name, or kFabric
  std::string hostname;  // empty for the fabric
  bool is_fabric = false;
};

struct CgroupPlan {
  std::string node;      // a node's name, or kFabric for the link engine's
  std::string rel_path;  // "faultline/<run>/<node>"
  uint32_t cpu_millicores = 0;
  uint64_t memory_bytes = 0;
  uint32_t pids = 0;
};

struct BridgePlan {
  std::string name;      // in the fabric namespace
  model::SegmentId segment;
};

// A veth pair. `a_ns`/`b_ns` are namespace names; when a_master / b_master is
// set, that end is enslaved to the bridge of that name in its own namespace.
struct VethPlan {
  std::string a_ns, a_if;
  std::string b_ns, b_if;
  std::string a_master;
  std::string what;      // "link api-db", "segment storage-net", "bridge uplink"
  std::string b_master;
  // Frames cross user space (the link engine): checksum and segmentation
  // offloads must be off on both ends, or TCP frames arrive with bad checksums.
  bool offloads_off = false;
};

// The run folder's subfolder holding the workload configurations; every node
// sees it, read-only, at the same path.
inline constexpr const char* kWorkloadDir = "workloads";

// What the plan cannot know without looking at the machine, found by the caller.
struct PlanOptions {
  // sch_netem is present (probed by the caller): impairments can be kernel qdiscs.
  bool kernel_netem = false;
  // The workload programs (runtime/binaries.hpp finds them).
  std::string service_binary = "faultline-service";
  std::string loadgen_binary = "faultline-loadgen";
  // Where workload configurations go: "<run folder>/workloads".
  std::string config_dir = kWorkloadDir;
};

// A kernel netem qdisc on one interface's egress: one direction of a link
// (link and dir set), or a segment's bridge port toward one member (segment
// set). The runtime finds a link's or a segment's qdiscs by these, never by
// `what`, which is for people.
struct QdiscPlan {
  std::string node;                 // the namespace: a link end's node, or kFabric
  std::string ifname;
  std::string what;                 // "link api-db a->b"
  netem::Impairment impairment;
  std::optional<model::LinkId> link;  // the LinkPlan's id, or none
  model::Direction dir = model::Direction::kBoth;  // kAtoB or kBtoA for a link
  std::optional<model::SegmentId> segment;  // the SegmentPlan's, or none
};

// What carries a link's or a segment's impairments.
enum class Carrier { kDirect, kEngine, kKernel };
const char* to_string(Carrier c);

// One link of the topology as the run builds it: the one description of a
// link whatever carries it (the engine's configuration is derived from it,
// runtime/engine_links.hpp).
struct LinkPlan {
  model::LinkId id;       // its nodes in `between` order; id.name() is "a-b"
  Carrier carrier = Carrier::kDirect;
  netem::Impairment a_to_b, b_to_a;
  // kEngine: each node's end is a veth whose peer, named here, is an engine
  // port in the fabric namespace.
  std::string a_port, b_port;
};

// One segment. kEngine: a switch in the engine with one shared bottleneck
// queue; otherwise a bridge in the fabric (kKernel: netem on its ports).
struct SegmentPlan {
  model::SegmentId name;
  std::vector<model::NodeId> members;
  Carrier carrier = Carrier::kDirect;
  netem::Impairment impairment;
  std::vector<std::string> ports;  // kEngine: the engine port per member, in member order
};

struct AddressPlan {
  model::NodeId node;
  std::string ifname;
  Ipv4Prefix prefix;     // the address with the subnet's prefix length
};

// A subnet: one link or one segment, and who sits on it.
struct SubnetPlan {
  std::string what;      // "link api-db" / "segment storage-net"
  Ipv4Prefix prefix;     // the network
  std::vector<model::NodeId> nodes;
};

struct RoutePlan {
  model::NodeId node;
  Ipv4Prefix dst;
  uint32_t gateway = 0;
};

// The configuration of a workload process, as its --config file holds it.
using WorkloadConfig = std::variant<std::monostate, workloads::ServiceConfig, workloads::LoadConfig>;

// A process started in a node. Services start first, then commands, then
// load generators, so that the first requests find their services listening.
struct ProcessPlan {
  model::NodeId node;
  ProcessKind kind;
  std::vector<std::string> argv;
  std::string log_name;     // its file in the run's log folder
  // Written as JSON to config_path by the runtime before the process starts;
  // monostate (and no path) for a command.
  std::string config_path;
  WorkloadConfig config;
  // The runtime waits until the process accepts connections on this port
  // inside its node before it starts the next; 0: no wait.
  uint16_t ready_port = 0;
};

struct HostsPlan {
  model::NodeId node;
  std::vector<std::pair<std::string, uint32_t>> entries;  // name -> address seen from this node
  std::string render() const;  // /etc/hosts content
};

struct Plan {
  std::string run;
  std::string experiment;
  uint64_t seed = 0;
  std::vector<NamespacePlan> namespaces;
  std::vector<CgroupPlan> cgroups;
  std::vector<BridgePlan> bridges;
  std::vector<VethPlan> veths;
  std::vector<SubnetPlan> subnets;
  std::vector<AddressPlan> addresses;
  std::vector<RoutePlan> routes;
  std::vector<model::NodeId> forwarding_nodes;
  std::vector<HostsPlan> hosts;
  std::vector<ProcessPlan> processes;
  std::vector<LinkPlan> links;
  std::vector<SegmentPlan> segments;
  std::vector<QdiscPlan> qdiscs;

  bool needs_engine() const;
  bool needs_fabric() const { return !bridges.empty() || needs_engine(); }
  // Human-readable, one object per line, in creation order.
  std::string render() const;
};

// Members per bridge; a bigger segment hangs more bridges off its first one.
// Linux bridges number ports 1..1023, but each port added also walks every
// port already there (features, MTU, headroom): at 1000 nodes, bridges of 128
// took the links phase from 1.25 s to 0.66 s (64: 0.72 s, 256: 0.81 s; bench/README.md).
inline constexpr size_t kPortsPerBridge = 128;

// The run-scoped cgroup parent: "faultline/<run>".
std::string run_cgroup_path(const std::string& run);

// The seed of one workload process: the experiment's seed mixed with a label
// ("service <name>", "load <node>"), so that each process draws its own
// stream and the same topology always gives the same seeds.
uint64_t workload_seed(uint64_t experiment_seed, std::string_view label);

// Pure: the topology must have passed the loader's validation (which also
// checks that the address pool is large enough for this allocation).
Plan make_plan(const model::Topology& topo, const std::string& run, const PlanOptions& opts = {});

// Whether the timeline impairs this link / segment at some point (then it must
// be able to take impairments live from the start).
bool link_faulted(const model::Topology& topo, const model::Link& l);
bool segment_faulted(const model::Topology& topo, const model::Segment& s);

}  // namespace faultline::plan
