// SPDX-License-Identifier: Apache-2.0
#include "base/random_core.hpp"
#include "orchestrator/plan/plan.hpp"

#include <algorithm>
#include <map>

#include "orchestrator/plan/routing.hpp"

namespace faultline::plan {

std::string run_cgroup_path(const std::string& run) { return "faultline/" + run; }

const char* to_string(Carrier c) {
  switch (c) {
    case Carrier::kDirect: return "direct";
    case Carrier::kEngine: return "userspace engine";
    case Carrier::kKernel: return "kernel netem";
  }
  return "?";
}

bool Plan::needs_engine() const {
  auto engine = [](const auto& x) { return x.carrier == Carrier::kEngine; };
  return std::any_of(links.begin(), links.end(), engine) || std::any_of(segments.begin(), segments.end(), engine);
}

namespace {

// Smallest power-of-two block holding n hosts plus network and broadcast.
uint8_t prefix_for_hosts(size_t hosts) {
  uint8_t len = 30;
  while (len > 0 && (uint64_t{1} << (32 - len)) < hosts + 2) --len;
  return len;
}

struct SubnetDemand {
  std::string what;
  std::vector<model::NodeId> nodes;         // in address order
  std::vector<std::string> ifnames;        // node-side interface per node
  uint8_t len = 30;
  size_t order = 0;                        // declaration order, for stable sorting
};

}  // namespace

bool link_faulted(const model::Topology& topo, const model::Link& l) {
  for (const auto& f : topo.faults) {
    if (f.target.kind != model::FaultTarget::Kind::kLink || !f.impairment) continue;
    if (f.target.link == l.id() || f.target.link == l.id().reversed()) return true;
  }
  return false;
}

bool segment_faulted(const model::Topology& topo, const model::Segment& s) {
  for (const auto& f : topo.faults)
    if (f.target.kind == model::FaultTarget::Kind::kSegment && f.target.segment == s.name && f.impairment) return true;
  return false;
}

namespace {

model::Backend effective(model::Backend own, model::Backend experiment) {
  return own != model::Backend::kAuto ? own : experiment;
}

// Whether the userspace engine carries an impaired link or segment: where it
// was asked for, or where the kernel has no netem to do the job.
// netem limits its queue in packets only: a byte limit needs the engine.
bool use_engine(model::Backend b, bool impaired, const PlanOptions& o, bool byte_limit = false) {
  if (b == model::Backend::kUserspace) return true;
  if (b == model::Backend::kKernel) return false;
  return impaired && (!o.kernel_netem || byte_limit);
}

// Services, then commands, then loads (see ProcessPlan).
void plan_processes(const model::Topology& topo, const PlanOptions& opts, Plan& p) {
  const uint64_t seed = topo.experiment.seed;
  for (const auto& n : topo.nodes) {
    for (const auto& svc : n.services) {
      const std::string name = "service " + svc.name;
      const std::string path = opts.config_dir + "/" + svc.name + ".service.json";
      p.processes.push_back({n.name, {name, ProcessRole::kService, svc.name}, {opts.service_binary, "--config", path},
                             svc.name + ".service.log", path,
                             workloads::ServiceConfig{n.name, workload_seed(seed, name), svc, {}}, svc.port});
    }
  }
  for (const auto& n : topo.nodes)
    if (!n.command.empty())
      p.processes.push_back(
          {n.name, {"command", ProcessRole::kCommand, ""}, {"/bin/sh", "-c", n.command}, n.name + ".log", "", {}, 0});
  for (const auto& n : topo.nodes) {
    if (!n.load) continue;
    const std::string path = opts.config_dir + "/" + n.name + ".load.json";
    // duration 0: a load generator runs until its run is taken down; the
    // experiment timeline stops it itself.
    p.processes.push_back({n.name, {"load", ProcessRole::kLoad, ""}, {opts.loadgen_binary, "--config", path},
                           n.name + ".load.log", path,
                           workloads::LoadConfig{n.name, workload_seed(seed, "load " + n.name), 0, *n.load,
                                                 workloads::RecordsConfig{.trace_rps = topo.experiment.trace_rps}},
                           n.load->metrics_port});
  }
}

}  // namespace

uint64_t workload_seed(uint64_t experiment_seed, std::string_view label) {
  // FNV-1a of the label, then splitmix64's finaliser over both: fixed
  // arithmetic, so seeds do not depend on the standard library's std::hash.
  uint64_t z = experiment_seed ^ fnv1a(kFnv1aBasis, label);
  return splitmix64(z);
}

Plan make_plan(const model::Topology& topo, const std::string& run, const PlanOptions& opts) {
  Plan p;
  p.run = run;
  p.experiment = topo.experiment.name;
  p.seed = topo.experiment.seed;

  for (const auto& n : topo.nodes) {
    p.namespaces.push_back({n.name, n.name, false});
    p.cgroups.push_back({n.name, run_cgroup_path(run) + "/" + n.name, n.cpu_millicores, n.memory_bytes, n.pids});
  }

  // Subnets: a node's interface toward a linked peer is named after the peer;
  // its interface on a segment is named after the segment.
  std::vector<SubnetDemand> demand;
  for (size_t k = 0; k < topo.links.size(); ++k) {
    const auto& l = topo.links[k];
    const model::LinkId id = l.id();
    const std::string what = "link " + id.name();
    demand.push_back({what, {l.a, l.b}, {l.b, l.a}, 30, demand.size()});
    const bool impaired = !l.a_to_b.is_neutral() || !l.b_to_a.is_neutral() || link_faulted(topo, l);
    const auto backend = effective(l.backend, topo.experiment.backend);
    if (use_engine(backend, impaired, opts, l.a_to_b.limit_bytes || l.b_to_a.limit_bytes)) {
      const std::string pa = "l" + std::to_string(k) + "a", pb = "l" + std::to_string(k) + "b";
      p.veths.push_back({kFabric, pa, l.a, l.b, "", what + " (engine port)", "", true});
      p.veths.push_back({kFabric, pb, l.b, l.a, "", what + " (engine port)", "", true});
      p.links.push_back({id, Carrier::kEngine, l.a_to_b, l.b_to_a, pa, pb});
      continue;
    }
    p.links.push_back({id, impaired ? Carrier::kKernel : Carrier::kDirect, l.a_to_b, l.b_to_a, "", ""});
    p.veths.push_back({l.a, l.b, l.b, l.a, "", what, "", false});
    if (impaired) {
      using model::Direction;
      p.qdiscs.push_back(
          {l.a, l.b, what + " " + id.way(Direction::kAtoB), l.a_to_b, id, Direction::kAtoB, std::nullopt});
      p.qdiscs.push_back(
          {l.b, l.a, what + " " + id.way(Direction::kBtoA), l.b_to_a, id, Direction::kBtoA, std::nullopt});
    }
  }
  for (size_t s = 0; s < topo.segments.size(); ++s) {
    const auto& seg = topo.segments[s];
    SubnetDemand d{"segment " + seg.name, seg.members, {}, prefix_for_hosts(seg.members.size()), demand.size()};
    d.ifnames.assign(seg.members.size(), seg.name);
    demand.push_back(d);
    auto port = [&](size_t m) { return "s" + std::to_string(s) + "m" + std::to_string(m); };

    const bool impaired = !seg.impairment.is_neutral() || segment_faulted(topo, seg);
    const auto backend = effective(seg.backend, topo.experiment.backend);
    // A shared bottleneck is one queue for everyone: only the engine models
    // that, so an impaired segment uses it unless the kernel was asked for.
    if (backend == model::Backend::kUserspace || (impaired && backend != model::Backend::kKernel)) {
      SegmentPlan sp{seg.name, seg.members, Carrier::kEngine, seg.impairment, {}};
      for (size_t m = 0; m < seg.members.size(); ++m) {
        sp.ports.push_back(port(m));
        p.veths.push_back({kFabric, port(m), seg.members[m], seg.name, "", "segment " + seg.name + " (engine port)",
                           "", true});
      }
      p.segments.push_back(std::move(sp));
      continue;
    }
    p.segments.push_back({seg.name, seg.members, impaired ? Carrier::kKernel : Carrier::kDirect, seg.impairment, {}});
    const size_t nbridges = (seg.members.size() + kPortsPerBridge - 1) / kPortsPerBridge;
    auto bridge_name = [&](size_t k) {
      return k == 0 ? "seg" + std::to_string(s) : "seg" + std::to_string(s) + "-" + std::to_string(k);
    };
    for (size_t k = 0; k < nbridges; ++k) p.bridges.push_back({bridge_name(k), seg.name});
    // Extra bridges hang off the first one: one uplink veth each.
    for (size_t k = 1; k < nbridges; ++k) {
      const std::string base = "s" + std::to_string(s) + "u" + std::to_string(k);
      p.veths.push_back({kFabric, base + "a", kFabric, base + "b", bridge_name(k), "bridge uplink " + seg.name,
                         bridge_name(0), false});
    }
    for (size_t m = 0; m < seg.members.size(); ++m) {
      p.veths.push_back({kFabric, port(m), seg.members[m], seg.name, bridge_name(m / kPortsPerBridge),
                         "segment " + seg.name, "", false});
      // Kernel backend on a bridge: the impairment on each port toward its member.
      if (impaired)
        p.qdiscs.push_back({kFabric, port(m), "segment " + seg.name + " ->" + seg.members[m], seg.impairment,
                            std::nullopt, model::Direction::kBoth, seg.name});
    }
  }
  if (p.needs_fabric()) p.namespaces.push_back({kFabric, "", true});
  // The engine's own cgroup: its CPU use is measured like a node's.
  if (p.needs_engine()) p.cgroups.push_back({kFabric, run_cgroup_path(run) + "/" + kFabric, 0, 0, 0});

  // Largest blocks first keeps every block aligned, so the allocation fits
  // whenever the summed demand fits the pool (checked by the loader).
  std::vector<size_t> idx(demand.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(), [&](size_t x, size_t y) { return demand[x].len < demand[y].len; });
  uint32_t next = topo.experiment.pool_addr;
  std::vector<Ipv4Prefix> subnet_of(demand.size());
  for (size_t i : idx) {
    subnet_of[i] = Ipv4Prefix{next, demand[i].len};
    next += uint32_t{1} << (32 - demand[i].len);
  }
  for (size_t i = 0; i < demand.size(); ++i) {
    const auto& d = demand[i];
    p.subnets.push_back({d.what, subnet_of[i], d.nodes});
    for (size_t m = 0; m < d.nodes.size(); ++m)
      p.addresses.push_back({d.nodes[m], d.ifnames[m], Ipv4Prefix{subnet_of[i].addr + 1 + uint32_t(m), d.len}});
  }

  compute_routes(topo, p);

  plan_processes(topo, opts, p);
  return p;
}

}  // namespace faultline::plan
