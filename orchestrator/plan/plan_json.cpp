// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/plan/plan_json.hpp"

namespace faultline::plan {

nlohmann::json plan_json(const Plan& p) {
  using nlohmann::json;
  auto imp = [](const netem::Impairment& i) { return i.is_neutral() ? json(nullptr) : json(netem::describe(i)); };
  json out = {{"run", p.run}, {"experiment", p.experiment}, {"seed", p.seed}};
  json& ns = out["namespaces"] = json::array();
  for (const auto& n : p.namespaces) ns.push_back({{"name", n.name}, {"hostname", n.hostname}, {"fabric", n.is_fabric}});
  json& cg = out["cgroups"] = json::array();
  for (const auto& c : p.cgroups)
    cg.push_back({{"node", c.node}, {"path", c.rel_path}, {"cpu_millicores", c.cpu_millicores},
                  {"memory_bytes", c.memory_bytes}, {"pids", c.pids}});
  json& br = out["bridges"] = json::array();
  for (const auto& b : p.bridges) br.push_back({{"name", b.name}, {"segment", b.segment}});
  json& ve = out["veths"] = json::array();
  for (const auto& v : p.veths)
    ve.push_back({{"what", v.what}, {"a_ns", v.a_ns}, {"a_if", v.a_if}, {"a_master", v.a_master},
                  {"b_ns", v.b_ns}, {"b_if", v.b_if}, {"b_master", v.b_master}, {"offloads_off", v.offloads_off}});
  json& sn = out["subnets"] = json::array();
  for (const auto& s : p.subnets) sn.push_back({{"what", s.what}, {"prefix", s.prefix.str()}, {"nodes", s.nodes}});
  json& ad = out["addresses"] = json::array();
  for (const auto& a : p.addresses) ad.push_back({{"node", a.node}, {"ifname", a.ifname}, {"address", a.prefix.str()}});
  json& rt = out["routes"] = json::array();
  for (const auto& r : p.routes)
    rt.push_back({{"node", r.node}, {"dst", r.dst.str()}, {"gateway", ipv4_str(r.gateway)}});
  out["forwarding_nodes"] = p.forwarding_nodes;
  json& li = out["links"] = json::array();
  for (const auto& l : p.links)
    li.push_back({{"name", l.id.name()}, {"a", l.id.a}, {"b", l.id.b}, {"carrier", to_string(l.carrier)},
                  {"a_to_b", imp(l.a_to_b)}, {"b_to_a", imp(l.b_to_a)}});
  json& sg = out["segments"] = json::array();
  for (const auto& s : p.segments)
    sg.push_back({{"name", s.name}, {"members", s.members}, {"carrier", to_string(s.carrier)}, {"impairment", imp(s.impairment)}});
  json& pr = out["processes"] = json::array();
  for (const auto& x : p.processes) {
    json cfg = nullptr;
    if (const auto* s = std::get_if<workloads::ServiceConfig>(&x.config)) cfg = workloads::to_json(*s);
    if (const auto* l = std::get_if<workloads::LoadConfig>(&x.config)) cfg = workloads::to_json(*l);
    pr.push_back({{"node", x.node}, {"name", x.kind.name}, {"argv", x.argv}, {"log", x.log_name},
                  {"config_path", x.config_path}, {"ready_port", x.ready_port}, {"config", cfg}});
  }
  out["link_engine"] = p.needs_engine();
  return out;
}

}  // namespace faultline::plan
