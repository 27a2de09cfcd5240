// SPDX-License-Identifier: Apache-2.0
// [[node]] with its [[node.service]] and their endpoints (node.load: load_load.cpp,
// calls: load_calls.cpp).
#include <algorithm>

#include "orchestrator/model/dist_backoff.hpp"
#include "orchestrator/model/loader_internal.hpp"
#include "orchestrator/model/names.hpp"
#include "orchestrator/model/node_fault_actions.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::model::detail {
namespace {

const std::vector<std::string> kNodeKeys = {"name",    "cpu",          "memory",  "pids",    "command",
                                            "metrics_port", "restart", "restart_delay", "service", "load"};
// What one endpoint costs and calls; at the service level they form endpoint 0.
const std::vector<std::string> kEndpointKeys = {"path",          "work",       "wait",     "request_memory",
                                                "response_size", "error_rate", "parallel", "calls"};
const std::vector<std::string> kServiceOwnKeys = {"name",       "port",            "workers",        "queue",
                                                  "discipline", "max_queue_delay", "drop_abandoned", "endpoint",
                                                  "slo"};

constexpr int64_t kMaxPids = 4'194'304;  // the kernel's pid_max ceiling

std::vector<std::string> service_keys() {
  std::vector<std::string> keys = kServiceOwnKeys;
  keys.insert(keys.begin() + 2, kEndpointKeys.begin(), kEndpointKeys.end());
  return keys;
}

void read_dist(Table& t, const std::string& key, DurationDist& out) {
  const auto* n = t.get(key);
  if (!n) return;
  if (n->is_integer()) {  // 0, or a missing unit: the duration reader says which
    if (auto v = t.duration(key)) out = DurationDist{DurationDist::Kind::kConstant, *v, 0, 0.0};
    return;
  }
  if (!n->is_string())
    return t.fail(key, "expected a duration or a distribution string such as \"exp(2ms)\", got " + type_name(*n));
  auto d = parse_duration_dist(n->as_string()->get());
  if (!d.ok()) return t.fail(key, d.error().context);
  out = d.value();
}

void read_service_name(Table& t, const std::string& node, size_t index, Service& svc, LoadState& s) {
  if (auto v = t.string("name")) {
    if (auto bad = check_service_name(*v)) {
      s.services_ok = false;
      return t.fail("name", *bad);
    }
    svc.name = *v;
  } else if (t.has("name")) {
    s.services_ok = false;
    return;
  } else {
    svc.name = detail::default_service_name(node, index, svc.port);
  }
  if (node.empty() || (!t.has("name") && svc.port == 0)) return;
  auto [it, inserted] = s.service_names.emplace(svc.name, t.has("name") ? t.loc("name") : t.loc());
  if (!inserted)
    s.d.error(t.has("name") ? t.loc("name") : t.loc(), "service name '" + svc.name +
                                                           "' is already used by the service at " + it->second.str() +
                                                           "; set a unique name = \"...\"");
}

void read_admission(Table& t, Service& svc) {
  if (auto v = t.integer("workers", 1, kMaxWorkers)) svc.workers = static_cast<uint32_t>(*v);
  if (auto v = t.integer("queue", 0, kMaxQueue)) svc.queue = static_cast<uint32_t>(*v);
  if (auto v = t.choice("discipline", {"fifo", "lifo"})) svc.lifo = *v == "lifo";
  if (auto v = t.duration("max_queue_delay")) svc.max_queue_delay_ns = *v;
  if (auto v = t.boolean("drop_abandoned")) svc.drop_abandoned = *v;
  if (auto v = t.duration("slo")) {
    if (*v == 0) t.fail("slo", "must be more than 0 (the p99 above which the service is degraded)");
    else svc.slo_p99_ns = *v;
  }
}

// The endpoint keys of `t`: a [[node.service.endpoint]], or the service's own
// table for endpoint 0.
Endpoint read_endpoint_keys(Table& t, const std::string& node, uint16_t port, LoadState& s) {
  Endpoint e;
  e.loc = t.loc();
  read_path(t, e.path);
  read_dist(t, "work", e.work);
  read_dist(t, "wait", e.wait);
  if (auto v = t.bytes("request_memory")) e.request_memory_bytes = *v;
  if (auto v = t.bytes("response_size")) e.response_bytes = *v;
  if (auto v = t.percent("error_rate")) e.error_ppm = *v;
  if (auto v = t.boolean("parallel")) e.parallel_calls = *v;
  const auto from = t.bad("path") ? std::nullopt : std::optional<std::string>(e.path);
  for (const auto* c : t.tables("calls")) e.calls.push_back(read_call(t.diag(), *c, node, port, from, s));
  return e;
}

// Ports seen on this node so far: port -> where.
using PortMap = std::map<uint16_t, SourceLoc>;

void read_service_port(Table& t, const std::string& node, Service& svc, PortMap& ports, LoadState& s) {
  t.require("port", "the TCP port it listens on, 1..65535");
  auto v = t.integer("port", 1, 65535);
  if (!v) {
    s.nodes_with_unknown_ports.insert(node);
    s.services_ok = false;
    return;
  }
  svc.port = static_cast<uint16_t>(*v);
  auto [it, inserted] = ports.emplace(svc.port, t.loc("port"));
  if (!inserted)
    t.fail("port", std::to_string(svc.port) + " is already used by the service at " + it->second.str() + " on node '" +
                       node + "'; each service of a node needs its own port");
  s.ports[node].push_back(svc.port);
}

// Endpoint paths of one service so far: path -> where it was given.
using PathMap = std::map<std::string, SourceLoc>;

void read_more_endpoints(Table& t, const std::string& node, Service& svc, PathMap& seen, ServicePaths& paths,
                         LoadState& s) {
  for (const auto* raw : t.tables("endpoint")) {
    Table et(t.diag(), *raw, "[[node.service.endpoint]]", kEndpointKeys);
    et.require("path", "the HTTP path it serves, e.g. \"/search\"");
    Endpoint e = read_endpoint_keys(et, node, svc.port, s);
    if (!et.ok("path")) {
      paths.complete = false;
    } else if (auto [it, inserted] = seen.emplace(e.path, et.loc("path")); !inserted) {
      et.fail("path", quote(e.path) + " is already served by this service (at " + it->second.str() +
                          "); each endpoint of a service needs its own path");
    } else {
      paths.paths.push_back(e.path);
    }
    svc.endpoints.push_back(std::move(e));
  }
  if (t.bad("endpoint")) paths.complete = false;
}

Service read_service(Diagnostics& d, const toml::table& raw, const std::string& node, size_t index, PortMap& ports,
                     LoadState& s) {
  Table t(d, raw, "[[node.service]]", service_keys());
  Service svc;
  svc.loc = t.loc();
  read_service_port(t, node, svc, ports, s);
  read_service_name(t, node, index, svc, s);
  read_admission(t, svc);
  // Endpoint 0: the service's own keys (path "/" unless written).
  svc.endpoints.push_back(read_endpoint_keys(t, node, svc.port, s));
  ServicePaths paths{svc.name, {}, !t.bad("path")};
  PathMap seen;
  if (paths.complete) {
    paths.paths.push_back(svc.endpoints[0].path);
    seen.emplace(svc.endpoints[0].path, t.has("path") ? t.loc("path") : t.loc());
  }
  read_more_endpoints(t, node, svc, seen, paths, s);
  if (svc.port != 0) s.service_paths.emplace(std::pair{node, svc.port}, std::move(paths));
  return svc;
}

void read_node_name(Table& t, Node& n, LoadState& s) {
  if (!t.require("name", "a string such as \"db\"")) return;
  auto v = t.string("name");
  if (!v) return;
  // Declared even when malformed, so that references to it are not reported as dangling too.
  if (!s.has_node(*v)) s.nodes.push_back(*v);
  if (auto bad = check_ifname(*v, "node")) return t.fail("name", *bad);
  if (claim_name(s, *v, t.loc("name"), "node")) n.name = NodeId{*v};
}

void read_node_limits(Table& t, Node& n) {
  if (auto v = t.cores("cpu")) n.cpu_millicores = *v;
  if (auto v = t.bytes("memory")) {
    if (*v != 0 && *v < kMinMemoryLimit)
      t.fail("memory", units::format_bytes(*v) + " is too small; allowed: 0 (unlimited) or at least " +
                           units::format_bytes(kMinMemoryLimit));
    else
      n.memory_bytes = *v;
  }
  if (auto v = t.integer("pids", 0, kMaxPids)) n.pids = static_cast<uint32_t>(*v);
  if (auto v = t.string("command")) {
    if (v->empty())
      t.fail("command", "is empty; leave it out to run only the services");
    else
      n.command = *v;
  }
  if (auto v = t.integer("metrics_port", 1, 65535)) n.metrics_port = static_cast<uint16_t>(*v);
}

void read_node_restart(Table& t, Node& n) {
  if (auto v = t.choice("restart", {"never", "on-failure"})) n.restart_on_failure = *v == "on-failure";
  if (auto v = t.duration("restart_delay")) {
    if (*v <= 0)
      t.fail("restart_delay", "must be more than 0");
    else
      n.restart_delay_ns = *v;
  }
}

void read_node(Diagnostics& d, const toml::table& raw, LoadState& s) {
  Table t(d, raw, "[[node]]", kNodeKeys);
  Node n;
  n.loc = t.loc();
  read_node_name(t, n, s);
  read_node_limits(t, n);
  read_node_restart(t, n);
  // The name as written, valid or not: what references to this node use.
  const std::string name = t.get("name") ? t.get("name")->value_or(std::string()) : std::string();
  if (!name.empty()) s.ports[name];
  PortMap ports;
  const auto services = t.tables("service");
  if (t.bad("service")) {
    s.services_ok = false;
    if (!name.empty()) s.nodes_with_unknown_ports.insert(name);
  }
  for (size_t i = 0; i < services.size(); ++i) n.services.push_back(read_service(d, *services[i], name, i, ports, s));
  if (const auto* l = t.table("load")) {
    if (!name.empty()) s.nodes_with_load.insert(name);
    n.load = read_load(d, *l, name, ports, s);
  }
  s.topo.nodes.push_back(std::move(n));
}

}  // namespace

void read_nodes(Table& top, LoadState& s) {
  for (const auto* t : top.tables("node")) read_node(s.d, *t, s);
}

}  // namespace faultline::model::detail
