// SPDX-License-Identifier: Apache-2.0
// [[link]] and [[segment]], and whether the address pool holds them.
#include <algorithm>
#include <array>
#include <map>
#include <bit>

#include "orchestrator/model/loader_internal.hpp"
#include "orchestrator/model/names.hpp"
#include "orchestrator/model/suggest.hpp"

namespace faultline::model::detail {
namespace {

std::vector<std::string> with_impairment_keys(std::vector<std::string> keys) {
  const auto& imp = impairment_keys();
  keys.insert(keys.end(), imp.begin(), imp.end());
  return keys;
}

const std::vector<std::string> kLinkKeys = with_impairment_keys({"between", "backend", "a_to_b", "b_to_a"});
const std::vector<std::string> kSegmentKeys = with_impairment_keys({"name", "members", "backend"});

// A name in `between` or `members` that is not a node: say what it is instead.
std::optional<std::string> unknown_node(const LoadState& s, const std::string& name) {
  if (s.has_node(name)) return std::nullopt;
  if (s.segments.contains(name))
    return "'" + name + "' is a segment, not a node; a node joins a segment through the segment's members";
  return "no node named '" + name + "'; " + suggest(name, s.nodes, "known nodes");
}

// One member of `between` or `members`; nullopt when it is not a known node.
std::optional<std::string> node_ref(LoadState& s, const std::string& key, const toml::node& n) {
  auto v = read_string(s.d, key, n);
  if (!v) return std::nullopt;
  if (auto bad = unknown_node(s, *v)) {
    s.d.error(s.d.loc(n), key + ": " + *bad);
    return std::nullopt;
  }
  return v;
}

std::pair<std::string, std::string> link_key(const std::string& a, const std::string& b) {
  return a < b ? std::pair{a, b} : std::pair{b, a};
}

const DeclaredLink* find_link(const LoadState& s, const std::string& a, const std::string& b) {
  auto it = s.link_index.find(link_key(a, b));
  return it == s.link_index.end() ? nullptr : &s.links[it->second];
}

std::optional<std::pair<std::string, std::string>> read_between(Table& t, LoadState& s) {
  if (!t.require("between", "the two nodes it connects, e.g. between = [\"api\", \"db\"]")) return std::nullopt;
  const auto* arr = t.array("between");
  if (!arr) return std::nullopt;
  if (arr->size() != 2) {
    t.fail("between", "has " + std::to_string(arr->size()) +
                          " elements; a link connects exactly two nodes, e.g. [\"api\", \"db\"] (use a [[segment]] "
                          "for more)");
    return std::nullopt;
  }
  auto a = node_ref(s, "between", *arr->get(0));
  auto b = node_ref(s, "between", *arr->get(1));
  if (!a || !b) return std::nullopt;
  if (*a == *b) {
    t.fail("between", "links node '" + *a + "' to itself; a link connects two different nodes");
    return std::nullopt;
  }
  if (const auto* other = find_link(s, *a, *b)) {
    t.fail("between", "a link between '" + *a + "' and '" + *b + "' already exists at " + other->loc.str() +
                          "; set both directions on that one (a_to_b / b_to_a)");
    return std::nullopt;
  }
  return std::pair{*a, *b};
}

// The keys of a direction table (a_to_b / b_to_a); only impairment keys.
KeyNodes direction_keys(Table& t, const std::string& key) {
  const toml::table* raw = t.table(key);
  if (!raw) return {};
  Table dt(t.diag(), *raw, key + " of [[link]]", impairment_keys());
  return impairment_nodes(*raw);
}

void read_link(const toml::table& raw, LoadState& s) {
  const size_t errors_before = s.d.count();
  Table t(s.d, raw, "[[link]]", kLinkKeys);
  Link l;
  l.loc = t.loc();
  auto ends = read_between(t, s);
  const KeyNodes base = impairment_nodes(raw);
  const KeyNodes ab = overlay(base, direction_keys(t, "a_to_b"));
  const KeyNodes ba = overlay(base, direction_keys(t, "b_to_a"));
  l.a_to_b = read_impairment(s.d, ab, true).imp;
  l.b_to_a = read_impairment(s.d, ba, true).imp;
  if (auto v = read_backend(t)) l.backend = *v;
  const bool valid = ends && s.d.count() == errors_before;
  if (!valid) s.network_ok = false;
  if (!ends) return;
  l.a = NodeId{ends->first};
  l.b = NodeId{ends->second};
  s.link_index.emplace(link_key(l.a, l.b), s.links.size());
  s.links.push_back(DeclaredLink{l.loc, t.loc("between"), l.a, l.b, ab, ba});
  if (valid) s.topo.links.push_back(std::move(l));
}

void read_segment_name(Table& t, Segment& g, LoadState& s) {
  if (!t.require("name", "a string such as \"storage-net\"")) return;
  auto v = t.string("name");
  if (!v) return;
  s.segments.insert(*v);
  if (auto bad = check_ifname(*v, "segment")) return t.fail("name", *bad);
  if (claim_name(s, *v, t.loc("name"), "segment")) g.name = SegmentId{*v};
}

void read_members(Table& t, Segment& g, LoadState& s) {
  if (!t.require("members", "the nodes on it, at least two, e.g. members = [\"api\", \"db\"]")) return;
  const auto* arr = t.array("members");
  if (!arr) return;
  if (arr->size() < 2)
    return t.fail("members", "has " + std::to_string(arr->size()) +
                                 " member(s); a segment needs at least 2 (for two nodes, a [[link]] is simpler)");
  for (const auto& e : *arr) {
    auto m = node_ref(s, "members", e);
    if (!m) continue;
    if (std::find(g.members.begin(), g.members.end(), *m) != g.members.end()) {
      s.d.error(s.d.loc(e), "members: '" + *m + "' is listed twice; each node joins a segment once");
      continue;
    }
    g.members.push_back(NodeId{*m});
  }
}

void read_segment(const toml::table& raw, LoadState& s) {
  const size_t errors_before = s.d.count();
  Table t(s.d, raw, "[[segment]]", kSegmentKeys);
  Segment g;
  g.loc = t.loc();
  read_segment_name(t, g, s);
  read_members(t, g, s);
  const KeyNodes keys = impairment_nodes(raw);
  g.impairment = read_impairment(s.d, keys, true).imp;
  if (auto v = read_backend(t)) g.backend = *v;
  if (!g.name.empty()) s.segment_keys[g.name] = keys;
  if (s.d.count() != errors_before) {
    s.network_ok = false;
    return;
  }
  s.topo.segments.push_back(std::move(g));
}

// A segment gets the smallest aligned power-of-two block holding its members
// plus the network and broadcast addresses.
uint64_t segment_block(size_t members) { return std::bit_ceil(static_cast<uint64_t>(members) + 2); }

std::string pool_str(const Experiment& e) {
  const uint32_t a = e.pool_addr;
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
         std::to_string(a & 255) + "/" + std::to_string(e.pool_prefix);
}

}  // namespace

void read_links(Table& top, LoadState& s) {
  for (const auto* t : top.tables("link")) read_link(*t, s);
}

void read_segments(Table& top, LoadState& s) {
  for (const auto* t : top.tables("segment")) read_segment(*t, s);
}

// A link is named after its two nodes, "A-B", and answers to "B-A" as well
// (`link:A-B` targets, `faultline fault`, the link engine, results). Node
// names may contain '-', so two links can spell the same name ("a" with
// "b-c", and "a-b" with "c", are both "a-b-c"), and a link can spell a
// segment's name; a name that means two things would be resolved to one of
// them at random by whatever looked it up. Such topologies are refused here,
// at the later link's `between` (or the segment's name), naming the other.
void check_network_names(LoadState& s) {
  std::map<std::string, const DeclaredLink*> spelled;  // "a-b" and "b-a" -> the link
  auto names_of = [](const DeclaredLink& l) { return std::array{l.id().name(), l.id().reversed().name()}; };
  auto describe = [](const DeclaredLink& l) { return "the link between '" + l.a + "' and '" + l.b + "'"; };
  for (const auto& l : s.links) {
    for (const auto& name : names_of(l)) {
      auto [it, fresh] = spelled.emplace(name, &l);
      if (fresh || it->second == &l) continue;
      s.d.error(l.between, "between: this link is named '" + name + "', and so is " + describe(*it->second) +
                               " at " + it->second->loc.str() +
                               "; a link is named after its two nodes (A-B, in either order), so node names with '-' "
                               "made the two names equal; allowed: node names that give every link its own name, "
                               "e.g. without '-' in one of these nodes");
      s.network_ok = false;
      break;
    }
  }
  for (const auto& g : s.topo.segments) {
    auto it = spelled.find(g.name);
    if (it == spelled.end()) continue;
    auto at = s.names.find(g.name);
    s.d.error(at != s.names.end() ? at->second : g.loc,
              "name: segment '" + g.name.str() + "' has the name of " + describe(*it->second) + " at " +
                  it->second->loc.str() + " (a link is named after its two nodes, A-B in either order); allowed: a "
                  "segment name that no link has");
    s.network_ok = false;
  }
}

void check_address_pool(LoadState& s) {
  if (!s.pool_ok) return;
  const Experiment& e = s.topo.experiment;
  // Blocks are powers of two allocated largest first, each aligned to its
  // size, so they pack without gaps: the demand is the plain sum.
  uint64_t need = 4 * static_cast<uint64_t>(s.topo.links.size());
  for (const auto& g : s.topo.segments) need += segment_block(g.members.size());
  const uint64_t have = uint64_t{1} << (32 - e.pool_prefix);
  if (need <= have) return;
  const int fit = 32 - std::bit_width(std::bit_ceil(need) - 1);
  std::string msg = "address_pool: the topology needs " + std::to_string(need) + " addresses (a /30 for each of " +
                    std::to_string(s.topo.links.size()) + " links, and for each of " +
                    std::to_string(s.topo.segments.size()) +
                    " segments a power-of-two block holding its members + 2), but " + pool_str(e) + " holds " +
                    std::to_string(have) + "; ";
  if (fit >= 8)
    msg += "allowed: a pool of /" + std::to_string(fit) + " or larger, e.g. \"10.0.0.0/" + std::to_string(fit) + "\"";
  else
    msg += "no allowed pool (at most /8) is that large; split the topology";
  s.d.error(s.pool_loc, msg);
}

}  // namespace faultline::model::detail
