// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/lint/network.hpp"

#include <deque>

namespace faultline::lint {

Network::Network(const model::Topology& topo) {
  for (const auto& n : topo.nodes) index_.emplace(n.name, index_.size());
  adjacent_.resize(index_.size());
  auto at = [&](const std::string& name) { return index_.at(name); };
  for (const auto& l : topo.links) {
    adjacent_[at(l.a)].push_back({at(l.b), l.a_to_b.delay_ns, 1});
    adjacent_[at(l.b)].push_back({at(l.a), l.b_to_a.delay_ns, 1});
  }
  // A segment is a vertex of its own (one hop to enter it, none to leave),
  // so a big segment costs its members, not their pairs; its impairment is
  // one bottleneck every packet crossing it meets once.
  for (const auto& s : topo.segments) {
    const size_t v = adjacent_.size();
    adjacent_.emplace_back();
    for (const auto& m : s.members) {
      adjacent_[at(m)].push_back({v, s.impairment.delay_ns, 1});
      adjacent_[v].push_back({at(m), 0, 0});
    }
  }
}

int64_t Network::one_way_ns(const std::string& from, const std::string& to) const {
  const auto f = index_.find(from), t = index_.find(to);
  if (f == index_.end() || t == index_.end()) return 0;
  auto it = from_.find(f->second);
  if (it == from_.end()) {
    // Fewest hops first (a 0-1 breadth-first search), the delays summed along.
    constexpr size_t kUnseen = static_cast<size_t>(-1);
    std::vector<size_t> hops(adjacent_.size(), kUnseen);
    std::vector<int64_t> delay(adjacent_.size(), 0);
    hops[f->second] = 0;
    std::deque<size_t> q{f->second};
    while (!q.empty()) {
      const size_t u = q.front();
      q.pop_front();
      for (const auto& h : adjacent_[u]) {
        if (hops[h.to] != kUnseen && hops[h.to] <= hops[u] + h.hops) continue;
        hops[h.to] = hops[u] + h.hops;
        delay[h.to] = delay[u] + h.delay_ns;
        if (h.hops == 0)
          q.push_front(h.to);
        else
          q.push_back(h.to);
      }
    }
    it = from_.emplace(f->second, std::move(delay)).first;
  }
  return it->second[t->second];
}

}  // namespace faultline::lint
