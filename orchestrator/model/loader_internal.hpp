// The stages of the loader and what they hand each other. Each stage reads
// its sections into the Topology and records, in LoadState, what it saw even
// when it was invalid, so that later stages do not repeat an error as a
// dangling reference (no cascades).
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "orchestrator/model/impairment_keys.hpp"
#include "orchestrator/model/loader.hpp"
#include "orchestrator/model/toml_reader.hpp"
#include "orchestrator/util/result.hpp"

namespace faultline::model::detail {

// A "node:port" reference of a call or a load, checked once every node is known.
struct EndpointRef {
  SourceLoc at;           // the value of `to` / `target`
  std::string key;        // "to" or "target"
  std::string from_node;  // the node that calls
  std::string to_node;
  uint16_t port = 0;
  uint16_t from_port = 0;  // the calling service's port; 0 for a load
  bool always = false;     // a call made on every request (probability 100%)
};

// A link as declared, valid or not, for fault targets and overlays.
struct DeclaredLink {
  SourceLoc loc;
  std::string a, b;
  KeyNodes a_to_b, b_to_a;  // the link's keys overlaid with each direction's
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

LoadResult convert(const toml::table& root, Diagnostics& d);

void read_experiment(Table& top, LoadState& s);
void read_nodes(Table& top, LoadState& s);
void read_links(Table& top, LoadState& s);
void read_segments(Table& top, LoadState& s);
void check_address_pool(LoadState& s);
void check_references(LoadState& s);
void read_faults(Table& top, LoadState& s);
void read_expect(Table& top, LoadState& s);

std::optional<Backend> read_backend(Table& t);

// Read by both call and load tables.
void read_backoff(Table& t, const std::string& key, Backoff& out);
void read_breaker(Table& t, const std::string& key, CircuitBreaker& out);

// Applies --set overrides to the document; errors are placed at --set:N:col.
void apply_overrides(toml::table& root, const std::vector<std::string>& overrides, Diagnostics& d);

}  // namespace faultline::model::detail
