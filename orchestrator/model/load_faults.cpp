// SPDX-License-Identifier: Apache-2.0
// [[fault]]: when, on what, and what it changes. The target's kind decides
// which keys a fault may carry.
#include <algorithm>
#include <set>

#include "orchestrator/model/loader_internal.hpp"
#include "orchestrator/model/node_fault_actions.hpp"
#include "orchestrator/model/suggest.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::model::detail {
namespace {

using units::format_duration;

const std::vector<std::string> kCommonKeys = {"at", "for", "ramp", "target"};
const std::vector<std::string> kNodeKeys = {"cpu", "memory", "action", "hog_memory", "hog_cpu"};
constexpr double kMaxRate = 10'000'000;

std::vector<std::string> concat(std::initializer_list<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const std::vector<std::string>& keys_for(FaultTarget::Kind k) {
  static const std::vector<std::string> node = concat({kCommonKeys, kNodeKeys});
  static const std::vector<std::string> link = concat({kCommonKeys, impairment_keys(), {"direction", "action"}});
  static const std::vector<std::string> segment = concat({kCommonKeys, impairment_keys(), {"action"}});
  static const std::vector<std::string> load = concat({kCommonKeys, {"rate"}});
  switch (k) {
    case FaultTarget::Kind::kNode:
      return node;
    case FaultTarget::Kind::kLink:
      return link;
    case FaultTarget::Kind::kSegment:
      return segment;
    case FaultTarget::Kind::kLoad:
      return load;
  }
  return node;
}

const std::vector<std::string>& all_keys() {
  static const std::vector<std::string> all =
      concat({kCommonKeys, kNodeKeys, impairment_keys(), {"direction", "rate"}});
  return all;
}

const char* kind_name(FaultTarget::Kind k) {
  switch (k) {
    case FaultTarget::Kind::kNode:
      return "node";
    case FaultTarget::Kind::kLink:
      return "link";
    case FaultTarget::Kind::kSegment:
      return "segment";
    case FaultTarget::Kind::kLoad:
      return "load";
  }
  return "?";
}

// The fault being read, with what later checks need.
struct FaultCtx {
  Table& t;
  LoadState& s;
  Fault& f;
};

struct Resolved {
  FaultTarget target;
  const DeclaredLink* link = nullptr;
  bool reversed = false;  // written "b-a" for a link between = ["a", "b"]
};

std::vector<std::string> link_names(const LoadState& s) {
  std::vector<std::string> out;
  for (const auto& l : s.links) out.push_back(l.id().name());
  return out;
}

// "api-db" or "db-api" (a fault's direction key says which way; "api->db" is
// not a target). Node names may contain '-': LinkId compares, never splits.
std::optional<Resolved> resolve_link(Table& t, LoadState& s, const std::string& spec, const std::string& whole) {
  std::vector<Resolved> found;
  for (const auto& l : s.links) {
    const auto how = spelled_as(l.id(), spec);
    if (!how || how->one_way) continue;
    found.push_back(Resolved{FaultTarget::on_link(l.id()), &l, how->reversed});
  }
  if (found.size() == 1) return found.front();
  if (found.empty())
    t.fail("target", quote(whole) + ": no link connects '" + spec +
                         "' (written \"link:A-B\" with the two nodes of a [[link]]); " +
                         suggest(spec, link_names(s), "links"));
  else
    t.fail("target", quote(whole) + " is ambiguous: it names more than one link because node names contain '-'");
  return std::nullopt;
}

std::optional<Resolved> resolve_named(Table& t, LoadState& s, FaultTarget::Kind kind, const std::string& name,
                                      const std::string& whole) {
  std::vector<std::string> candidates;
  bool known = false;
  std::string extra;
  if (kind == FaultTarget::Kind::kNode) {
    candidates = s.nodes;
    known = s.has_node(name);
  } else if (kind == FaultTarget::Kind::kSegment) {
    candidates.assign(s.segments.begin(), s.segments.end());
    known = s.segments.contains(name);
  } else {
    candidates.assign(s.nodes_with_load.begin(), s.nodes_with_load.end());
    known = s.nodes_with_load.contains(name);
    if (!known && s.has_node(name)) extra = "node '" + name + "' has no load; ";
  }
  // Where a fault's target becomes an identity: the name was checked above.
  if (known)
    return Resolved{kind == FaultTarget::Kind::kSegment ? FaultTarget::on_segment(SegmentId{name})
                    : kind == FaultTarget::Kind::kLoad  ? FaultTarget::on_load(NodeId{name})
                                                        : FaultTarget::on_node(NodeId{name}),
                    nullptr, false};
  if (extra.empty())
    extra = "no " + std::string(kind == FaultTarget::Kind::kLoad ? "node with a load" : kind_name(kind)) + " named '" +
            name + "'; ";
  const std::string hint = candidates.empty() && kind == FaultTarget::Kind::kLoad ? "no node has a load (node.load)"
                                                                                  : suggest(name, candidates, "known");
  t.fail("target", quote(whole) + ": " + extra + hint);
  return std::nullopt;
}

std::optional<Resolved> read_target(Table& t, LoadState& s) {
  if (!t.require("target", "what the fault acts on: \"node:NAME\", \"link:A-B\", \"segment:NAME\" or \"load:NODE\""))
    return std::nullopt;
  auto v = t.string("target");
  if (!v) return std::nullopt;
  const size_t colon = v->find(':');
  const std::string kind = v->substr(0, colon == std::string::npos ? 0 : colon);
  const std::string name = colon == std::string::npos ? "" : v->substr(colon + 1);
  const std::vector<std::string> kinds = {"node", "link", "segment", "load"};
  if (colon == std::string::npos || std::find(kinds.begin(), kinds.end(), kind) == kinds.end() || name.empty()) {
    t.fail("target",
           quote(*v) + " is not a fault target; allowed: \"node:NAME\", \"link:A-B\", \"segment:NAME\", \"load:NODE\"");
    return std::nullopt;
  }
  if (kind == "link") return resolve_link(t, s, name, *v);
  const auto k = kind == "node"      ? FaultTarget::Kind::kNode
                 : kind == "segment" ? FaultTarget::Kind::kSegment
                                     : FaultTarget::Kind::kLoad;
  return resolve_named(t, s, k, name, *v);
}

// Keys that belong to another kind of target; unknown keys were reported by the Table.
bool check_keys_match(Table& t, const Resolved& r) {
  const auto& allowed = keys_for(r.target.kind);
  const std::string kind = kind_name(r.target.kind);
  bool ok = true;
  for (auto&& [k, v] : t.raw()) {
    const std::string key(k.str());
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    if (std::find(all_keys().begin(), all_keys().end(), key) == all_keys().end()) continue;
    t.fail(key, "not a " + kind + " fault key (target \"" + kind + ":" + r.target.name() + "\" is a " + kind + "); a " +
                    kind + " fault takes: " + join(allowed));
    ok = false;
  }
  return ok;
}

// hog_memory goes with memory-hog, hog_cpu with cpu-hog: each needs the other.
void check_hog(Table& t, Fault& f, const char* key, Fault::Action action, const char* action_name,
               const char* example) {
  if (t.bad("action")) return;
  if (t.has(key) && f.action != action) t.fail(key, std::string("only applies with action = \"") + action_name + "\"");
  if (f.action == action && !t.has(key))
    t.fail("action", std::string("\"") + action_name + "\" needs " + key + ", e.g. " + key + " = " + example);
}

void read_node_effect(Table& t, Fault& f) {
  if (auto v = t.cores("cpu")) f.cpu_millicores = *v;
  if (auto v = t.bytes("memory")) {
    if (*v < kMinMemoryLimit)
      t.fail("memory", units::format_bytes(*v) + " is too small; allowed: at least " + units::format_bytes(kMinMemoryLimit));
    else
      f.memory_bytes = *v;
  }
  if (auto v = t.choice("action", node_fault_action_names())) f.action = *node_fault_action(*v);
  if (auto v = t.bytes("hog_memory")) {
    if (*v == 0)
      t.fail("hog_memory", "must be more than 0");
    else
      f.hog_bytes = *v;
  }
  if (auto v = t.cores("hog_cpu")) f.hog_millicores = *v;
  check_hog(t, f, "hog_memory", Fault::Action::kMemoryHog, "memory-hog", "\"512MiB\"");
  check_hog(t, f, "hog_cpu", Fault::Action::kCpuHog, "cpu-hog", "2");
}

void check_node_effect(FaultCtx& c) {
  Table& t = c.t;
  const bool limits = t.has("cpu") || t.has("memory");
  if (!limits && !t.has("action")) {
    c.s.d.error(t.loc(), "a node fault needs cpu, memory or action (allowed actions: " + join(node_fault_action_names()) + ")");
    return;
  }
  if (limits && stops_node(c.f.action) && !t.bad("action"))
    t.fail("action", "\"" + t.get("action")->value_or(std::string()) +
                         "\" stops the node's processes, so cpu and memory limits mean nothing during it; use two "
                         "faults");
  if (c.f.action == Fault::Action::kRestart && c.f.for_ns != 0 && t.ok("for"))
    t.fail("for", "a restart is instantaneous; leave for out (or use action = \"kill\" to keep the node down)");
}

// The fault's keys laid over one direction of the link (or the segment).
netem::Impairment during(LoadState& s, const KeyNodes& target_keys, const KeyNodes& fault_keys) {
  return read_impairment(s.d, overlay(target_keys, fault_keys), true).imp;
}

void read_link_direction(FaultCtx& c, const Resolved& r) {
  auto v = c.t.choice("direction", {"both", "a->b", "b->a"});
  if (!v) return;
  const Direction d = parse_direction(*v).value_or(Direction::kBoth);  // choice() allowed only these
  c.f.direction = r.reversed ? reversed(d) : d;
}

void read_network_effect(FaultCtx& c, const Resolved& r) {
  Table& t = c.t;
  if (auto v = t.choice("action", {"partition"})) c.f.action = Fault::Action::kPartition;
  const KeyNodes keys = impairment_nodes(t.raw());
  if (r.target.kind == FaultTarget::Kind::kLink) read_link_direction(c, r);
  if (keys.empty() && !t.has("action")) {
    c.s.d.error(t.loc(), std::string("a ") + kind_name(r.target.kind) +
                             " fault needs impairment keys (delay, loss, rate, ...) or action = \"partition\"");
    return;
  }
  if (!keys.empty() && c.f.action == Fault::Action::kPartition) {
    t.fail("action", "a partition drops every packet, so the fault's impairment keys (" + keys.begin()->first +
                         ", ...) would have no effect; use two faults");
    return;
  }
  if (keys.empty()) return;
  c.f.impairment = read_impairment(c.s.d, keys, false).imp;
  if (r.target.kind == FaultTarget::Kind::kSegment) {
    c.f.during_a_to_b = c.f.during_b_to_a = during(c.s, c.s.segment_keys[r.target.segment], keys);
    return;
  }
  const bool ab = covers_a_to_b(c.f.direction), ba = covers_b_to_a(c.f.direction);
  c.f.during_a_to_b = during(c.s, r.link->a_to_b, ab ? keys : KeyNodes{});
  c.f.during_b_to_a = during(c.s, r.link->b_to_a, ba ? keys : KeyNodes{});
}

void read_load_effect(FaultCtx& c) {
  if (!c.t.require("rate", "the load's new request rate per second, e.g. rate = 800")) return;
  auto v = c.t.number("rate");
  if (!v) return;
  if (*v < 0 || *v > kMaxRate)
    return c.t.fail("rate",
                    format_number(*v) + " is out of range; allowed: 0 (stop) up to 10000000 requests per second");
  c.f.rate = *v;
}

void read_timing(Table& t, Fault& f) {
  if (t.require("at", "when the fault starts, e.g. at = \"30s\"")) {
    if (auto v = t.duration("at")) f.at_ns = *v;
  }
  if (auto v = t.duration("for")) f.for_ns = *v;
  if (auto v = t.duration("ramp")) f.ramp_ns = *v;
}

// Faults belong to the measured part of the run: after the baseline, before the end.
void check_timing(FaultCtx& c) {
  Table& t = c.t;
  const Experiment& e = c.s.topo.experiment;
  const int64_t start = e.warmup_ns + e.baseline_ns;
  if (c.s.phases_ok && t.ok("at")) {
    if (c.f.at_ns >= e.duration_ns)
      t.fail("at", format_duration(c.f.at_ns) +
                       " is not before the end of the run (duration = " + format_duration(e.duration_ns) +
                       "); allowed: " + format_duration(start) + " <= at < " + format_duration(e.duration_ns));
    else if (c.f.at_ns < start)
      t.fail("at", format_duration(c.f.at_ns) + " falls in the warmup and baseline phases, which end at " +
                       format_duration(start) +
                       "; faults start at or after it so the baseline is measured without them");
    else if (t.ok("for") && c.f.at_ns + c.f.for_ns > e.duration_ns)
      t.fail("for", "the fault would end at " + format_duration(c.f.at_ns + c.f.for_ns) +
                        ", after the run (duration = " + format_duration(e.duration_ns) +
                        "); allowed: at + for <= duration, or for = 0 (until duration)");
  }
  if (t.ok("ramp") && c.f.ramp_ns > 0) {
    if (t.ok("for") && c.f.for_ns > 0 && c.f.ramp_ns > c.f.for_ns)
      t.fail("ramp",
             format_duration(c.f.ramp_ns) + " is longer than the fault (for = " + format_duration(c.f.for_ns) + ")");
    else if (c.f.action != Fault::Action::kNone && c.f.action != Fault::Action::kCpuHog &&
             c.f.action != Fault::Action::kMemoryHog)
      t.fail("ramp",
             "only applies to gradual faults (cpu, memory, hogs, impairments, rate), not to an action that "
             "happens at once");
  }
}

void read_effect(FaultCtx& c, const Resolved& r) {
  c.f.target = r.target;
  // Keys meant for another kind of target say what the fault was meant to
  // do; "this fault does nothing" on top would only repeat it.
  if (!check_keys_match(c.t, r)) return;
  if (r.target.kind == FaultTarget::Kind::kNode) {
    read_node_effect(c.t, c.f);
    check_node_effect(c);
  } else if (r.target.kind == FaultTarget::Kind::kLoad) {
    read_load_effect(c);
  } else {
    read_network_effect(c, r);
  }
}

// What a fault changes, per aspect, to find two faults changing the same
// thing at the same time.
struct Footprint {
  SourceLoc at;
  std::string target;
  int64_t begin = 0, end = 0;
  std::set<std::string> aspects;
};

Footprint footprint(const Fault& f, const Table& t, int64_t run_end) {
  Footprint p{t.loc("at"),
              std::string(kind_name(f.target.kind)) + ":" + f.target.name(),
              f.at_ns,
              f.for_ns ? f.at_ns + f.for_ns : run_end,
              {}};
  if (f.target.kind == FaultTarget::Kind::kLink) p.target = "link:" + f.target.link.name();
  if (f.cpu_millicores) p.aspects.insert("cpu");
  if (f.memory_bytes) p.aspects.insert("memory");
  if (f.rate) p.aspects.insert("rate");
  const bool network = f.impairment || f.action == Fault::Action::kPartition;
  if (f.target.kind == FaultTarget::Kind::kNode && f.action != Fault::Action::kNone) p.aspects.insert("action");
  if (network && f.target.kind != FaultTarget::Kind::kNode) {
    if (covers_a_to_b(f.direction)) p.aspects.insert(to_string(Direction::kAtoB));
    if (covers_b_to_a(f.direction)) p.aspects.insert(to_string(Direction::kBtoA));
  }
  return p;
}

void check_overlap(LoadState& s, const std::vector<Footprint>& prints, const Footprint& p) {
  for (const auto& q : prints) {
    if (q.target != p.target || q.end <= p.begin || p.end <= q.begin) continue;
    for (const auto& a : p.aspects) {
      if (!q.aspects.contains(a)) continue;
      const std::string what = a == "a->b" || a == "b->a" ? "the " + a + " direction" : a;
      s.d.error(p.at, "at: this fault and the one at " + q.at.str() + " both change " + what + " of " + p.target +
                          " from " + format_duration(std::max(p.begin, q.begin)) +
                          "; faults on one target must not overlap in what they change");
      return;
    }
  }
}

const std::vector<std::string>& fault_table_keys() {
  static const std::vector<std::string> keys = concat({all_keys(), {"action"}});
  return keys;
}

}  // namespace

void read_faults(Table& top, LoadState& s) {
  std::vector<Footprint> prints;
  for (const auto* raw : top.tables("fault")) {
    const size_t errors_before = s.d.count();
    Table t(s.d, *raw, "[[fault]]", fault_table_keys());
    Fault f;
    f.loc = t.loc();
    read_timing(t, f);
    FaultCtx c{t, s, f};
    if (auto r = read_target(t, s)) read_effect(c, *r);
    check_timing(c);
    if (s.d.count() != errors_before) continue;
    const Footprint p = footprint(f, t, s.topo.experiment.duration_ns);
    check_overlap(s, prints, p);
    prints.push_back(p);
    s.topo.faults.push_back(std::move(f));
  }
}

}  // namespace faultline::model::detail
