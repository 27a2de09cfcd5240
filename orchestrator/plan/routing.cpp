// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/plan/routing.hpp"

#include <deque>
#include <map>
#include <set>
#include <unordered_map>

namespace faultline::plan {

namespace {

struct Graph {
  std::vector<model::NodeId> names;
  std::unordered_map<model::NodeId, size_t> index;
  // subnet index -> member node indices; node -> subnets it sits on (declaration order).
  std::vector<std::vector<size_t>> subnet_members;
  std::vector<std::vector<size_t>> node_subnets;
  // node -> (subnet, address) pairs: a node sits on few subnets, so a short
  // linear scan beats a map on the O(nodes^2) hosts computation.
  std::vector<std::vector<std::pair<size_t, uint32_t>>> addrs;
  uint32_t addr(size_t node, size_t subnet) const {
    for (const auto& [s, a] : addrs[node])
      if (s == subnet) return a;
    return 0;
  }
};

Graph build(const model::Topology& topo, const Plan& p) {
  Graph g;
  for (const auto& n : topo.nodes) {
    g.index[n.name] = g.names.size();
    g.names.push_back(n.name);
  }
  g.node_subnets.resize(g.names.size());
  g.addrs.resize(g.names.size());
  for (size_t s = 0; s < p.subnets.size(); ++s) {
    std::vector<size_t> members;
    for (const auto& m : p.subnets[s].nodes) {
      const size_t ni = g.index.at(m);
      members.push_back(ni);
      g.node_subnets[ni].push_back(s);
    }
    g.subnet_members.push_back(std::move(members));
  }
  // Addresses are recorded per (node, interface); map them onto subnets.
  for (const auto& a : p.addresses) {
    const size_t ni = g.index.at(a.node);
    for (size_t s : g.node_subnets[ni]) {
      if (p.subnets[s].prefix == a.prefix.network()) g.addrs[ni].push_back({s, a.prefix.addr});
    }
  }
  return g;
}

}  // namespace

namespace {

// Per node, the routes through its busiest next hop become one route for the
// whole address pool through it: connected subnets and the remaining
// specific routes are longer prefixes and still win. A chain of 100 nodes
// needs ~2,500 routes instead of ~9,800, and a leaf needs one.
void aggregate_routes(const model::Topology& topo, Plan& p) {
  const Ipv4Prefix pool{topo.experiment.pool_addr, topo.experiment.pool_prefix};
  std::vector<RoutePlan> out;
  size_t i = 0;
  while (i < p.routes.size()) {
    size_t j = i;
    std::map<uint32_t, size_t> per_gw;
    while (j < p.routes.size() && p.routes[j].node == p.routes[i].node) ++per_gw[p.routes[j++].gateway];
    uint32_t best = 0;
    size_t best_n = 0;
    for (const auto& [gw, n] : per_gw)
      if (n > best_n) best = gw, best_n = n;
    if (best_n >= 2) {
      out.push_back({p.routes[i].node, pool.network(), best});
      for (size_t k = i; k < j; ++k)
        if (p.routes[k].gateway != best) out.push_back(p.routes[k]);
    } else {
      out.insert(out.end(), p.routes.begin() + static_cast<long>(i), p.routes.begin() + static_cast<long>(j));
    }
    i = j;
  }
  p.routes = std::move(out);
}

}  // namespace

void compute_routes(const model::Topology& topo, Plan& p) {
  const Graph g = build(topo, p);
  const size_t n = g.names.size();
  std::set<size_t> forwarders;

  for (size_t src = 0; src < n; ++src) {
    // BFS over nodes; for each reached node remember the first hop (node and
    // the subnet it is reached through from src) and the subnet it was
    // reached on (so hosts resolve to the address facing src).
    constexpr size_t kNone = static_cast<size_t>(-1);
    std::vector<size_t> first_hop(n, kNone), first_subnet(n, kNone), via_subnet(n, kNone), parent(n, kNone);
    std::vector<bool> seen(n, false);
    std::vector<bool> subnet_routed(p.subnets.size(), false);
    // Each subnet's members are enqueued once per search: without this a big
    // segment makes the search cubic.
    std::vector<bool> subnet_expanded(p.subnets.size(), false);
    seen[src] = true;
    for (size_t s : g.node_subnets[src]) subnet_routed[s] = true;  // directly connected
    std::deque<size_t> q{src};
    while (!q.empty()) {
      const size_t u = q.front();
      q.pop_front();
      for (size_t s : g.node_subnets[u]) {
        // A subnet first reached through u: route it via u's first hop.
        if (!subnet_routed[s]) {
          subnet_routed[s] = true;
          p.routes.push_back({g.names[src], p.subnets[s].prefix, g.addr(first_hop[u], first_subnet[u])});
        }
        if (subnet_expanded[s]) continue;
        subnet_expanded[s] = true;
        for (size_t v : g.subnet_members[s]) {
          if (seen[v]) continue;
          seen[v] = true;
          parent[v] = u;
          via_subnet[v] = s;
          first_hop[v] = (u == src) ? v : first_hop[u];
          first_subnet[v] = (u == src) ? s : first_subnet[u];
          if (u != src) forwarders.insert(u);
          q.push_back(v);
        }
      }
    }
    HostsPlan h{g.names[src], {}};
    for (size_t v = 0; v < n; ++v) {
      if (v == src) {
        // A node on no link still resolves its own name (as Debian does with 127.0.1.1).
        const uint32_t self = g.node_subnets[src].empty() ? 0x7f000101u : g.addr(src, g.node_subnets[src][0]);
        h.entries.push_back({g.names[v], self});
        continue;
      }
      if (!seen[v]) continue;  // unreachable: no name, so connects fail fast
      h.entries.push_back({g.names[v], g.addr(v, via_subnet[v])});
    }
    p.hosts.push_back(std::move(h));
  }
  for (size_t f : forwarders) p.forwarding_nodes.push_back(g.names[f]);
  aggregate_routes(topo, p);
}

std::string HostsPlan::render() const {
  std::string out = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  for (const auto& [name, addr] : entries) out += ipv4_str(addr) + "\t" + name + "\n";
  return out;
}

}  // namespace faultline::plan
