#include "orchestrator/plan/plan.hpp"

#include <algorithm>
#include <map>

#include "orchestrator/plan/routing.hpp"

namespace faultline::plan {

std::string run_cgroup_path(const std::string& run) { return "faultline/" + run; }

namespace {

// Smallest power-of-two block holding n hosts plus network and broadcast.
uint8_t prefix_for_hosts(size_t hosts) {
  uint8_t len = 30;
  while (len > 0 && (uint64_t{1} << (32 - len)) < hosts + 2) --len;
  return len;
}

struct SubnetDemand {
  std::string what;
  std::vector<std::string> nodes;          // in address order
  std::vector<std::string> ifnames;        // node-side interface per node
  uint8_t len = 30;
  size_t order = 0;                        // declaration order, for stable sorting
};

}  // namespace

Plan make_plan(const model::Topology& topo, const std::string& run) {
  Plan p;
  p.run = run;
  p.experiment = topo.experiment.name;
  p.seed = topo.experiment.seed;

  for (const auto& n : topo.nodes) {
    p.namespaces.push_back({n.name, n.name, false});
    p.cgroups.push_back({n.name, run_cgroup_path(run) + "/" + n.name, n.cpu_millicores, n.memory_bytes, n.pids});
  }
  if (!topo.segments.empty()) p.namespaces.push_back({kFabric, "", true});

  // Subnets: a node's interface toward a linked peer is named after the peer;
  // its interface on a segment is named after the segment.
  std::vector<SubnetDemand> demand;
  for (const auto& l : topo.links) {
    demand.push_back({"link " + l.a + "-" + l.b, {l.a, l.b}, {l.b, l.a}, 30, demand.size()});
    p.veths.push_back({l.a, l.b, l.b, l.a, "", "link " + l.a + "-" + l.b, ""});
  }
  for (size_t s = 0; s < topo.segments.size(); ++s) {
    const auto& seg = topo.segments[s];
    SubnetDemand d{"segment " + seg.name, seg.members, {}, prefix_for_hosts(seg.members.size()), demand.size()};
    d.ifnames.assign(seg.members.size(), seg.name);
    demand.push_back(d);

    const size_t nbridges = (seg.members.size() + kPortsPerBridge - 1) / kPortsPerBridge;
    auto bridge_name = [&](size_t k) {
      return k == 0 ? "seg" + std::to_string(s) : "seg" + std::to_string(s) + "-" + std::to_string(k);
    };
    for (size_t k = 0; k < nbridges; ++k) p.bridges.push_back({bridge_name(k), seg.name});
    // Extra bridges hang off the first one: one uplink veth each.
    for (size_t k = 1; k < nbridges; ++k) {
      const std::string base = "s" + std::to_string(s) + "u" + std::to_string(k);
      p.veths.push_back(
          {kFabric, base + "a", kFabric, base + "b", bridge_name(k), "bridge uplink " + seg.name, bridge_name(0)});
    }
    for (size_t m = 0; m < seg.members.size(); ++m) {
      p.veths.push_back({kFabric, "s" + std::to_string(s) + "m" + std::to_string(m), seg.members[m], seg.name,
                         bridge_name(m / kPortsPerBridge), "segment " + seg.name, ""});
    }
  }

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

  for (const auto& n : topo.nodes) {
    if (!n.command.empty()) p.processes.push_back({n.name, "command", {"/bin/sh", "-c", n.command}});
  }
  return p;
}

}  // namespace faultline::plan
