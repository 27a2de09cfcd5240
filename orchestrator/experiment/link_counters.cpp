// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/link_counters.hpp"

#include <tuple>
#include <nlohmann/json.hpp>

#include "orchestrator/runtime/links.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::experiment {

namespace {
constexpr double kBitsPerMbit = 1e6;
}

std::map<LinkCounters::Key, double> LinkCounters::read_counters() {
  std::map<Key, double> c;
  const auto& plan = run_.plan();
  // One dump per node that sits on a link or a segment.
  std::map<std::string, std::map<std::string, runtime::NlSocket::IfStats>> ifs;
  auto stats_of = [&](const std::string& node) -> const std::map<std::string, runtime::NlSocket::IfStats>* {
    auto it = ifs.find(node);
    if (it != ifs.end()) return &it->second;
    auto* sock = run_.socket(node);
    if (!sock) return nullptr;
    auto s = sock->link_stats();
    if (!s.ok()) return nullptr;
    return &ifs.emplace(node, std::move(s.value())).first->second;
  };
  // A node's interface toward a peer is named after the peer; on a segment,
  // after the segment.
  auto iface = [&](const std::string& node, const std::string& ifname) -> const runtime::NlSocket::IfStats* {
    const auto* m = stats_of(node);
    if (!m) return nullptr;
    auto it = m->find(ifname);
    return it == m->end() ? nullptr : &it->second;
  };
  for (const auto& l : plan.links) {
    const std::string node = "link:" + l.id.name();
    for (const auto d : {model::Direction::kAtoB, model::Direction::kBtoA}) {
      const std::string dir = l.id.way(d);
      const std::string& from = d == model::Direction::kAtoB ? l.id.a : l.id.b;
      const std::string& to = d == model::Direction::kAtoB ? l.id.b : l.id.a;
      if (const auto* s = iface(from, to)) {
        c[{node, dir, "sent_pps"}] = static_cast<double>(s->tx_packets);
        c[{node, dir, "sent_mbps"}] = static_cast<double>(s->tx_bytes) * 8 / kBitsPerMbit;
      }
      if (const auto* r = iface(to, from)) {
        c[{node, dir, "received_pps"}] = static_cast<double>(r->rx_packets);
        c[{node, dir, "received_mbps"}] = static_cast<double>(r->rx_bytes) * 8 / kBitsPerMbit;
      }
    }
  }
  for (const auto& seg : plan.segments)
    for (const auto& m : seg.members)
      if (const auto* s = iface(m, seg.name)) {
        c[{"segment:" + seg.name, m, "sent_pps"}] = static_cast<double>(s->tx_packets);
        c[{"segment:" + seg.name, m, "received_pps"}] = static_cast<double>(s->rx_packets);
      }
  auto* lc = run_.links();
  if (!lc) return c;
  // The engine's own counters: exact drops per direction.
  const auto e = lc->engine_stats();
  auto engine = [&](const std::string& node, const std::string& service, const nlohmann::json& p) {
    if (!p.is_object()) return;
    c[{node, service, "engine_delivered_pps"}] = p.value("tx_packets", 0.0);
    // Dropped by the impairment (loss) or by the queue limit; the second also alone.
    c[{node, service, "engine_dropped_pps"}] = p.value("dropped_loss", 0.0) + p.value("dropped_queue", 0.0);
    c[{node, service, "engine_dropped_queue_pps"}] = p.value("dropped_queue", 0.0);
  };
  if (e.is_object() && e.contains("links") && e["links"].is_object()) {
    for (const auto& l : plan.links) {
      const std::string name = l.id.name();
      if (!e["links"].contains(name)) continue;
      const auto& j = e["links"][name];
      for (const auto d : {model::Direction::kAtoB, model::Direction::kBtoA})
        engine("link:" + name, l.id.way(d), j.value(model::to_string(d), nlohmann::json()));
    }
  }
  if (e.is_object() && e.contains("segments") && e["segments"].is_object())
    for (const auto& [name, j] : e["segments"].items()) engine("segment:" + name, "", j);
  for (const auto& p : lc->partitions())
    c[{"partition", std::to_string(p.id) + ": " + p.spec.describe(), "dropped_pps"}] = static_cast<double>(p.dropped);
  return c;
}

std::vector<NetSample> LinkCounters::tick(double dt) {
  auto cur = read_counters();
  std::vector<NetSample> out;
  if (!first_ && dt > 0)
    for (const auto& [k, v] : cur) {
      auto it = prev_.find(k);
      // A partition made during the tick counts from zero.
      const double before = it != prev_.end() ? it->second : (std::get<0>(k) == "partition" ? 0.0 : -1.0);
      if (before < 0 || v < before) continue;
      out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), (v - before) / dt});
    }
  prev_ = std::move(cur);
  first_ = false;
  return out;
}

}  // namespace faultline::experiment
