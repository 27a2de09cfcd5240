// SPDX-License-Identifier: Apache-2.0
// The stages of the loader and what they hand each other. Each stage reads
// its sections into the Topology and records, in LoadState, what it saw even
// when it was invalid, so that later stages do not repeat an error as a
// dangling reference (no cascades).
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "orchestrator/model/impairment_keys.hpp"
#include "orchestrator/model/loader.hpp"
#include "orchestrator/model/toml_reader.hpp"

namespace faultline::model::detail {

// A path requested of a service: a call's `path`, or one of a load's mix.
struct PathRef {
  std::string path;
  SourceLoc at;           // the value, or the table when the path is defaulted
  std::string key;        // "path" / "mix" (or "to" / "target" when defaulted)
};

// A "node:port" reference of a call or a load, checked once every node is known.
struct EndpointRef {
  SourceLoc at;           // the value of `to` / `target`
  std::string key;        // "to" or "target"
  std::string from_node;  // the node that calls
  std::string to_node;
  uint16_t port = 0;
  uint16_t from_port = 0;  // the calling service's port; 0 for a load
  // The calling endpoint's path; unset for a load, or when it failed to read.
  std::optional<std::string> from_path;
  bool always = false;     // a call made on every request (probability 100%)
  // The paths requested of the target; empty when one failed to read (then
  // none is checked, and the call takes no part in the cycle check).
  std::vector<PathRef> paths;
};

// The endpoint paths of one service, for the paths calls and loads request.
struct ServicePaths {
  std::string service;
  std::vector<std::string> paths;
  bool complete = true;   // false: an endpoint's path failed to read; do not judge
};

// A link as declared, valid or not, for fault targets and overlays.
struct DeclaredLink {
  SourceLoc loc;
  SourceLoc between;  // the `between` value, where errors about the link's ends go
  std::string a, b;
  KeyNodes a_to_b, b_to_a;  // the link's keys overlaid with each direction's
  LinkId id() const { return {NodeId{a}, NodeId{b}}; }
};

struct LoadState {
  explicit LoadState(Diagnostics& diag) : d(diag) {}
  Diagnostics& d;
  Topology topo;

  // Node and segment names share one namespace: name -> first definition.
  std::map<std::string, SourceLoc> names;
  std::map<std::string, SourceLoc> service_names;
  std::vector<std::string> nodes;  // declared, in order
  std::set<std::string> segments;
  std::map<std::string, KeyNodes> segment_keys;
  std::map<std::string, std::vector<uint16_t>> ports;  // per declared node
  std::set<std::string> nodes_with_unknown_ports;      // a service port failed to read
  std::set<std::string> nodes_with_load;
  std::vector<DeclaredLink> links;
  std::map<std::pair<std::string, std::string>, size_t> link_index;  // (min, max) name -> links[i]
  std::vector<EndpointRef> refs;
  std::map<std::pair<std::string, uint16_t>, ServicePaths> service_paths;  // (node, port)

  bool phases_ok = true;    // duration, warmup and baseline all read
  bool network_ok = true;   // every link and segment is valid
  bool pool_ok = true;      // address_pool read (or defaulted)
  bool services_ok = true;  // every service name and port read
  SourceLoc pool_loc;       // the address_pool value, or [experiment]

  bool has_node(const std::string& n) const;
};

// Claims a name in the node/segment namespace; false (and an error at `at`)
// when it is taken.
bool claim_name(LoadState& s, const std::string& name, const SourceLoc& at, const std::string& kind);

// "node:port"; error message or the parts.
Result<std::pair<std::string, uint16_t>> parse_endpoint(std::string_view s);

// variants: read and check the [[variant]]s (not for one run's load: see
// load_source_for_run).
LoadResult convert(const toml::table& root, Diagnostics& d, bool variants = true);

void read_experiment(Table& top, LoadState& s);
void read_nodes(Table& top, LoadState& s);
void read_links(Table& top, LoadState& s);
void read_segments(Table& top, LoadState& s);
// Two links never share a name and no link is named like a segment (see
// check_network_names in load_network.cpp).
void check_network_names(LoadState& s);
void check_address_pool(LoadState& s);
void check_references(LoadState& s);
void read_faults(Table& top, LoadState& s);
void read_expect(Table& top, LoadState& s);
// [[variant]]: each one's overrides are checked against `root` (load_variants.cpp).
void read_variants(Table& top, LoadState& s, const toml::table& root);

std::optional<Backend> read_backend(Table& t);

inline constexpr int64_t kMaxRetries = 100;
inline constexpr int64_t kMaxWorkers = 100'000;
inline constexpr int64_t kMaxQueue = 1'000'000;
inline constexpr double kMaxRate = 10'000'000;

// Read by both call and load tables (load_policies.cpp).
void read_backoff(Table& t, const std::string& key, Backoff& out);
void read_breaker(Table& t, const std::string& key, CircuitBreaker& out);
void read_throttle(Table& t, const std::string& key, RetryThrottle& out);

// The client side shared by calls and loads (load_calls.cpp).
// `path` of a call, an endpoint or a service: starts with '/'.
void read_path(Table& t, std::string& out);
// The "node:port" under `key`, or nullopt (reported) when missing or malformed.
std::optional<EndpointRef> read_endpoint(Table& t, const std::string& key, const std::string& from);
// `timeout`: more than 0.
void read_timeout(Table& t, int64_t& out);
// `budget` and `budget_min`: a retry budget, as Envoy's and Finagle's.
void read_retry_budget(Table& t, uint32_t& ratio_ppm, uint32_t& min_per_s);
// Calls and loads are both clients, with the same fields for the same keys:
// timeout, retries, backoff, budget, budget_min, throttle.
template <class Client>
void read_client_policy(Table& t, Client& c) {
  read_timeout(t, c.timeout_ns);
  if (auto v = t.integer("retries", 0, kMaxRetries)) c.retries = static_cast<uint32_t>(*v);
  read_backoff(t, "backoff", c.backoff);
  read_retry_budget(t, c.budget_ppm, c.budget_min_per_s);
  read_throttle(t, "throttle", c.throttle);
}
// One entry of an endpoint's `calls`.
Call read_call(Diagnostics& d, const toml::table& raw, const std::string& node, uint16_t port,
               const std::optional<std::string>& from_path, LoadState& s);

// node.load (load_load.cpp); `ports` are the node's service ports so far.
Load read_load(Diagnostics& d, const toml::table& raw, const std::string& node,
               const std::map<uint16_t, SourceLoc>& ports, LoadState& s);

// Applies --set overrides to the document; errors are placed at --set:N:col.
void apply_overrides(toml::table& root, const std::vector<std::string>& overrides, Diagnostics& d);

}  // namespace faultline::model::detail
