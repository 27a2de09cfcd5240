// SPDX-License-Identifier: Apache-2.0
// Plan::render: what `faultline plan` prints, one kernel object per line, in
// the order the runtime creates them.
#include <cstdio>

#include "orchestrator/model/units.hpp"
#include "orchestrator/plan/plan.hpp"

namespace faultline::plan {

namespace {
std::string limits(const CgroupPlan& c) {
  std::string s;
  s += "cpu=" + (c.cpu_millicores ? std::to_string(c.cpu_millicores) + "m" : std::string("unlimited"));
  s += " memory=" + (c.memory_bytes ? model::units::format_bytes(c.memory_bytes) : std::string("unlimited"));
  s += " pids=" + (c.pids ? std::to_string(c.pids) : std::string("unlimited"));
  return s;
}
std::string quote_argv(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    if (a.find_first_of(" \t\"'$") != std::string::npos) {
      s += '\'';
      for (char c : a) s += (c == '\'') ? std::string("'\\''") : std::string(1, c);
      s += '\'';
    } else {
      s += a;
    }
  }
  return s;
}
}  // namespace

std::string Plan::render() const {
  std::string out;
  auto line = [&](const std::string& kind, const std::string& rest) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%-11s", kind.c_str());
    out += buf;
    out += rest;
    out += '\n';
  };
  out += "# run " + run + " of experiment " + experiment + ", seed " + std::to_string(seed) + "\n";
  line("cgroup", run_cgroup_path(run) + "  (run parent)");
  for (const auto& ns : namespaces) {
    if (ns.is_fabric) line("namespace", ns.name + "  net  (holds the bridges of segments)");
    else line("namespace", ns.name + "  net,uts,mnt  hostname=" + ns.hostname + "  private /tmp /run /etc/hosts");
  }
  for (const auto& c : cgroups) line("cgroup", c.rel_path + "  " + limits(c));
  for (const auto& b : bridges) line("bridge", std::string(kFabric) + ":" + b.name + "  segment " + b.segment);
  for (const auto& v : veths) {
    std::string r = v.a_ns + ":" + v.a_if + " <-> " + v.b_ns + ":" + v.b_if + "  " + v.what;
    if (!v.a_master.empty()) r += "  (" + v.a_if + " on " + v.a_master + ")";
    if (!v.b_master.empty()) r += "  (" + v.b_if + " on " + v.b_master + ")";
    if (v.offloads_off) r += "  offloads off";
    line("veth", r);
  }
  for (const auto& a : addresses) line("address", a.node + ":" + a.ifname + "  " + a.prefix.str());
  for (const auto& r : routes) line("route", r.node + ":  " + r.dst.str() + " via " + ipv4_str(r.gateway));
  for (const auto& f : forwarding_nodes) line("forwarding", f + "  (routes for others)");
  for (const auto& h : hosts) {
    std::string r = h.node + ":/etc/hosts ";
    // Large topologies: the first few names are enough to read the scheme.
    constexpr size_t kShown = 6;
    for (size_t i = 0; i < h.entries.size() && i < kShown; ++i)
      r += " " + h.entries[i].first + "=" + ipv4_str(h.entries[i].second);
    if (h.entries.size() > kShown) r += " ... (" + std::to_string(h.entries.size()) + " names)";
    line("hosts", r);
  }
  for (const auto& q : qdiscs)
    line("qdisc", q.node + ":" + q.ifname + "  netem " + netem::describe(q.impairment) + "  (" + q.what + ")");
  for (const auto& l : links)
    if (l.carrier == Carrier::kEngine)
      line("engine", "link " + l.id.name() + "  " + l.id.way(model::Direction::kAtoB) + ": " +
                         netem::describe(l.a_to_b) + "; " + l.id.way(model::Direction::kBtoA) + ": " +
                         netem::describe(l.b_to_a));
  for (const auto& s : segments)
    if (s.carrier == Carrier::kEngine)
      line("engine", "segment " + s.name + "  " + std::to_string(s.ports.size()) + " ports, one shared queue: " +
                         netem::describe(s.impairment));
  if (needs_engine())
    line("process", std::string(kFabric) + ":  link engine: faultline-linkd (seed " + std::to_string(seed) + ")");
  for (const auto& p : processes) {
    std::string r = p.node + ":  " + p.kind.name + ": " + quote_argv(p.argv);
    if (const auto* s = std::get_if<workloads::ServiceConfig>(&p.config))
      r += "  (seed " + std::to_string(s->seed) + ", " + std::to_string(s->service.endpoints.size()) + " endpoint" +
           (s->service.endpoints.size() == 1 ? "" : "s") + ")";
    if (const auto* l = std::get_if<workloads::LoadConfig>(&p.config))
      r += "  (seed " + std::to_string(l->seed) + ", /metrics on :" + std::to_string(l->load.metrics_port) + ")";
    line("process", r);
  }
  return out;
}

}  // namespace faultline::plan
