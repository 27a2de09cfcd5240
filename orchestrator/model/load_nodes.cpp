// [[node]] with its [[node.service]] (and their calls) and node.load.
#include <algorithm>

#include "orchestrator/model/dist_backoff.hpp"
#include "orchestrator/model/loader_internal.hpp"
#include "orchestrator/model/names.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::model::detail {
namespace {

const std::vector<std::string> kNodeKeys = {"name",    "cpu",          "memory",  "pids",
                                            "command", "metrics_port", "service", "load"};
const std::vector<std::string> kServiceKeys = {
    "name", "port",           "path",          "workers",    "queue",           "discipline", "work",
    "wait", "request_memory", "response_size", "error_rate", "max_queue_delay", "parallel",   "calls"};
const std::vector<std::string> kCallKeys = {"to",     "path",       "timeout", "retries",  "backoff", "probability",
                                            "budget", "budget_min", "hedge",   "fallback", "breaker"};
const std::vector<std::string> kLoadKeys = {"target",  "path",    "rate",    "arrival",
                                            "timeout", "retries", "backoff", "connections"};

constexpr uint64_t kMiB = 1ull << 20;
constexpr int64_t kMaxRetries = 100;
constexpr int64_t kMaxWorkers = 100'000;
constexpr int64_t kMaxQueue = 1'000'000;
constexpr int64_t kMaxPids = 4'194'304;  // the kernel's pid_max ceiling
constexpr double kMaxRate = 10'000'000;

void read_path(Table& t, std::string& out) {
  auto v = t.string("path");
  if (!v) return;
  if (v->empty() || v->front() != '/') return t.fail("path", quote(*v) + " must start with '/', e.g. \"/api\"");
  out = *v;
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

void read_timeout(Table& t, int64_t& out) {
  auto v = t.duration("timeout");
  if (!v) return;
  if (*v == 0) return t.fail("timeout", "must be more than 0; a request without a deadline never fails over");
  out = *v;
}

// The endpoint of a call or a load, checked once every node is known.
std::optional<EndpointRef> read_endpoint(Table& t, const std::string& key, const std::string& from) {
  if (!t.require(key, "\"node:port\" of a service, e.g. \"db:5432\"")) return std::nullopt;
  auto v = t.string(key);
  if (!v) return std::nullopt;
  auto ep = parse_endpoint(*v);
  if (!ep.ok()) {
    t.fail(key, ep.error().context);
    return std::nullopt;
  }
  return EndpointRef{t.loc(key), key, from, ep.value().first, ep.value().second};
}

// After the timeout: a hedge at or after the deadline never fires.
void read_hedge(Table& t, Call& c) {
  auto v = t.duration("hedge");
  if (!v) return;
  if (*v >= c.timeout_ns && !t.bad("timeout"))
    return t.fail("hedge", units::format_duration(*v) + " is not shorter than the timeout (" +
                               units::format_duration(c.timeout_ns) + "); allowed: 0 (no hedging) up to the timeout");
  c.hedge_ns = *v;
}

void read_call_policy(Table& t, Call& c) {
  read_timeout(t, c.timeout_ns);
  if (auto v = t.integer("retries", 0, kMaxRetries)) c.retries = static_cast<uint32_t>(*v);
  read_backoff(t, "backoff", c.backoff);
  if (auto v = t.percent("probability")) c.probability_ppm = *v;
  if (auto v = t.percent("budget")) c.budget_ppm = *v;
  if (auto v = t.integer("budget_min", 0, kMaxQueue)) c.budget_min_per_s = static_cast<uint32_t>(*v);
  read_hedge(t, c);
  if (auto v = t.boolean("fallback")) c.fallback = *v;
  read_breaker(t, "breaker", c.breaker);
}

Call read_call(Diagnostics& d, const toml::table& raw, const std::string& node, uint16_t port, LoadState& s) {
  Table t(d, raw, "call", kCallKeys);
  Call c;
  c.loc = t.loc();
  auto ref = read_endpoint(t, "to", node);
  read_path(t, c.path);
  read_call_policy(t, c);
  if (ref) {
    c.to_node = ref->to_node;
    c.to_port = ref->port;
    ref->from_port = port;
    ref->always = c.probability_ppm == netem::kPpmMax && !t.bad("probability");
    s.refs.push_back(*ref);
  }
  return c;
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
    svc.name = index == 0 ? node : node + "-" + std::to_string(svc.port);
  }
  if (node.empty() || (!t.has("name") && svc.port == 0)) return;
  auto [it, inserted] = s.service_names.emplace(svc.name, t.has("name") ? t.loc("name") : t.loc());
  if (!inserted)
    s.d.error(t.has("name") ? t.loc("name") : t.loc(), "service name '" + svc.name +
                                                           "' is already used by the service at " + it->second.str() +
                                                           "; set a unique name = \"...\"");
}

void read_service_work(Table& t, Service& svc) {
  if (auto v = t.integer("workers", 1, kMaxWorkers)) svc.workers = static_cast<uint32_t>(*v);
  if (auto v = t.integer("queue", 0, kMaxQueue)) svc.queue = static_cast<uint32_t>(*v);
  if (auto v = t.choice("discipline", {"fifo", "lifo"})) svc.lifo = *v == "lifo";
  read_dist(t, "work", svc.work);
  read_dist(t, "wait", svc.wait);
  if (auto v = t.bytes("request_memory")) svc.request_memory_bytes = *v;
  if (auto v = t.bytes("response_size")) svc.response_bytes = *v;
  if (auto v = t.percent("error_rate")) svc.error_ppm = *v;
  if (auto v = t.duration("max_queue_delay")) svc.max_queue_delay_ns = *v;
  if (auto v = t.boolean("parallel")) svc.parallel_calls = *v;
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

Service read_service(Diagnostics& d, const toml::table& raw, const std::string& node, size_t index, PortMap& ports,
                     LoadState& s) {
  Table t(d, raw, "[[node.service]]", kServiceKeys);
  Service svc;
  svc.loc = t.loc();
  read_service_port(t, node, svc, ports, s);
  read_service_name(t, node, index, svc, s);
  read_path(t, svc.path);
  read_service_work(t, svc);
  for (const auto* c : t.tables("calls")) svc.calls.push_back(read_call(d, *c, node, svc.port, s));
  return svc;
}

Load read_load(Diagnostics& d, const toml::table& raw, const std::string& node, LoadState& s) {
  Table t(d, raw, "load", kLoadKeys);
  Load l;
  l.loc = t.loc();
  if (auto ref = read_endpoint(t, "target", node)) {
    l.target_node = ref->to_node;
    l.target_port = ref->port;
    s.refs.push_back(*ref);
  }
  read_path(t, l.path);
  if (t.require("rate", "requests per second, e.g. 100")) {
    if (auto v = t.number("rate")) {
      if (!(*v > 0) || *v > kMaxRate)
        t.fail("rate", format_number(*v) + " is out of range; allowed: more than 0 up to 10000000 requests per second");
      else
        l.rate = *v;
    }
  }
  if (auto v = t.choice("arrival", {"poisson", "constant"}))
    l.arrival = *v == "constant" ? Load::Arrival::kConstant : Load::Arrival::kPoisson;
  read_timeout(t, l.timeout_ns);
  if (auto v = t.integer("retries", 0, kMaxRetries)) l.retries = static_cast<uint32_t>(*v);
  read_backoff(t, "backoff", l.backoff);
  if (auto v = t.integer("connections", 1, kMaxWorkers)) l.connections = static_cast<uint32_t>(*v);
  return l;
}

void read_node_name(Table& t, Node& n, LoadState& s) {
  if (!t.require("name", "a string such as \"db\"")) return;
  auto v = t.string("name");
  if (!v) return;
  // Declared even when malformed, so that references to it are not reported as dangling too.
  if (!s.has_node(*v)) s.nodes.push_back(*v);
  if (auto bad = check_ifname(*v, "node")) return t.fail("name", *bad);
  if (claim_name(s, *v, t.loc("name"), "node")) n.name = *v;
}

void read_node_limits(Table& t, Node& n) {
  if (auto v = t.cores("cpu")) n.cpu_millicores = *v;
  if (auto v = t.bytes("memory")) {
    // Below a MiB not even the service binary starts: surely a missing unit.
    if (*v != 0 && *v < kMiB)
      t.fail("memory", units::format_bytes(*v) + " is too small; allowed: 0 (unlimited) or at least 1MiB");
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

void read_node(Diagnostics& d, const toml::table& raw, LoadState& s) {
  Table t(d, raw, "[[node]]", kNodeKeys);
  Node n;
  n.loc = t.loc();
  read_node_name(t, n, s);
  read_node_limits(t, n);
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
    n.load = read_load(d, *l, name, s);
  }
  s.topo.nodes.push_back(std::move(n));
}

}  // namespace

void read_nodes(Table& top, LoadState& s) {
  for (const auto* t : top.tables("node")) read_node(s.d, *t, s);
}

}  // namespace faultline::model::detail
