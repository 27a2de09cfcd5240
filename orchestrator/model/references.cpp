// SPDX-License-Identifier: Apache-2.0
// Calls and loads name "node:port" and paths: the node must exist, serve that
// port and those paths, and be reachable from the caller over links and
// segments; calls made on every request must not form a cycle.
#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include "orchestrator/model/loader_internal.hpp"
#include "orchestrator/model/suggest.hpp"

namespace faultline::model::detail {
namespace {

// Connected components of the node graph (links, and segments as cliques).
class Components {
 public:
  explicit Components(const Topology& t) {
    for (const auto& l : t.links) join(l.a, l.b);
    for (const auto& g : t.segments)
      for (const auto& m : g.members) join(g.members.front(), m);
  }
  bool connected(const std::string& a, const std::string& b) { return root(a) == root(b); }

 private:
  std::string root(const std::string& n) {
    auto it = parent_.find(n);
    if (it == parent_.end() || it->second == n) return n;
    return it->second = root(it->second);
  }
  void join(const std::string& a, const std::string& b) {
    parent_.emplace(a, a);
    parent_.emplace(b, b);
    parent_[root(a)] = root(b);
  }
  std::map<std::string, std::string> parent_;
};

std::string ports_list(const std::vector<uint16_t>& ports) {
  if (ports.empty()) return "it has no services";
  std::vector<std::string> p;
  for (auto v : ports) p.push_back(std::to_string(v));
  return "its services listen on: " + join(p);
}

bool check_target(LoadState& s, const EndpointRef& r) {
  if (!s.has_node(r.to_node)) {
    std::string what = s.segments.contains(r.to_node)
                           ? "'" + r.to_node + "' is a segment, not a node"
                           : "no node named '" + r.to_node + "'; " + suggest(r.to_node, s.nodes, "known nodes");
    s.d.error(r.at, r.key + ": " + what);
    return false;
  }
  if (s.nodes_with_unknown_ports.contains(r.to_node)) return false;
  const auto& ports = s.ports[r.to_node];
  if (std::find(ports.begin(), ports.end(), r.port) != ports.end()) return true;
  s.d.error(r.at, r.key + ": node '" + r.to_node + "' has no service on port " + std::to_string(r.port) + "; " +
                      ports_list(ports));
  return false;
}

// Every path requested must be an endpoint of the service on that port.
void check_paths(LoadState& s, const EndpointRef& r) {
  auto it = s.service_paths.find({r.to_node, r.port});
  if (it == s.service_paths.end() || !it->second.complete) return;
  const auto& have = it->second.paths;
  for (const auto& p : r.paths) {
    if (std::find(have.begin(), have.end(), p.path) != have.end()) continue;
    s.d.error(p.at, p.key + ": service '" + it->second.service + "' (" + r.to_node + ":" + std::to_string(r.port) +
                        ") has no endpoint " + quote(p.path) + "; " + suggest(p.path, have, "its endpoints"));
  }
}

// An endpoint of a service: node, port, path.
using Vertex = std::tuple<std::string, uint16_t, std::string>;

std::string vertex_str(const Vertex& v) {
  return std::get<0>(v) + ":" + std::to_string(std::get<1>(v)) + std::get<2>(v);
}

Vertex from_of(const EndpointRef& c) { return {c.from_node, c.from_port, *c.from_path}; }
Vertex to_of(const EndpointRef& c) { return {c.to_node, c.port, c.paths.front().path}; }

// Calls made on every request, as a graph between endpoints.
class CallGraph {
 public:
  explicit CallGraph(const std::vector<const EndpointRef*>& calls) : calls_(calls) {}

  // The first call that closes a cycle, with the cycle, if any.
  std::optional<std::pair<const EndpointRef*, std::vector<Vertex>>> find_cycle() {
    for (const auto* c : calls_) {
      std::vector<Vertex> path{from_of(*c)};
      if (auto hit = walk(*c, path)) return std::pair{hit, path};
    }
    return std::nullopt;
  }

 private:
  // Depth-first from `c`; `path` holds the endpoints visited so far.
  const EndpointRef* walk(const EndpointRef& c, std::vector<Vertex>& path) {
    const Vertex to = to_of(c);
    path.push_back(to);
    if (to == path.front()) return &c;
    if (done_.contains(to) || std::count(path.begin(), path.end() - 1, to)) {
      path.pop_back();
      return nullptr;
    }
    for (const auto* next : calls_) {
      if (from_of(*next) != to) continue;
      if (auto hit = walk(*next, path)) return hit;
    }
    done_.insert(to);
    path.pop_back();
    return nullptr;
  }

  const std::vector<const EndpointRef*>& calls_;
  std::set<Vertex> done_;
};

// A request that always calls an endpoint that always calls it back never ends.
void check_call_cycles(LoadState& s, const std::vector<const EndpointRef*>& calls) {
  CallGraph g(calls);
  auto cycle = g.find_cycle();
  if (!cycle) return;
  std::vector<std::string> hops;
  for (const auto& v : cycle->second) hops.push_back(vertex_str(v));
  s.d.error(cycle->first->at, "to: the calls " + join(hops, " -> ") +
                                  " form a cycle in which every call is always made, so one request never ends; "
                                  "give a call of the cycle a probability below 100% or remove one");
}

}  // namespace

void check_references(LoadState& s) {
  Components c(s.topo);
  std::vector<const EndpointRef*> calls;
  for (const auto& r : s.refs) {
    const bool target_ok = check_target(s, r);
    if (target_ok) check_paths(s, r);
    // Calls whose two ends are both known take part in the cycle check.
    if (target_ok && r.from_port != 0 && r.from_path && r.paths.size() == 1 && r.always) calls.push_back(&r);
    if (!target_ok || !s.network_ok || r.from_node.empty() || r.from_node == r.to_node) continue;
    if (c.connected(r.from_node, r.to_node)) continue;
    s.d.error(r.at, r.key + ": node '" + r.from_node + "' cannot reach '" + r.to_node +
                        "': no chain of links and segments connects them; add a [[link]] between = [\"" + r.from_node +
                        "\", \"" + r.to_node + "\"] or put both on a [[segment]]");
  }
  check_call_cycles(s, calls);
}

}  // namespace faultline::model::detail
