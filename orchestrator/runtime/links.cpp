// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/links.hpp"

#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ebpf/partition_loader.hpp"
#include "netem/engine/impairment_json.hpp"
#include "orchestrator/plan/lookup.hpp"
#include "orchestrator/runtime/engine_links.hpp"
#include "orchestrator/runtime/kernel_links.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::runtime {

using nlohmann::json;

std::string PartitionSpec::describe() const {
  auto join = [](const std::vector<model::NodeId>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
    return s;
  };
  std::string s = join(from) + " -/-> " + join(to);
  if (proto == 6) s += " tcp";
  if (proto == 17) s += " udp";
  if (proto == 1) s += " icmp";
  if (port_hi) s += ":" + std::to_string(port_lo) + (port_hi != port_lo ? "-" + std::to_string(port_hi) : "");
  if (flap_on_ns)
    s += " flapping " + std::to_string(flap_on_ns / 1'000'000) + "ms on/" + std::to_string(flap_off_ns / 1'000'000) +
         "ms off";
  return s;
}

Result<std::unique_ptr<LinkControl>> LinkControl::start(Run& run, bool kernel_clsact_bpf) {
  std::unique_ptr<LinkControl> lc(new LinkControl(run));
  lc->bpf_ok_ = kernel_clsact_bpf;
  for (const auto& l : run.plan().links) {
    lc->links_planned_[l.id] = {l.a_to_b, l.b_to_a};
    lc->links_now_[l.id] = {l.a_to_b, l.b_to_a};
  }
  for (const auto& s : run.plan().segments) {
    lc->segs_planned_[s.name] = s.impairment;
    lc->segs_now_[s.name] = s.impairment;
  }
  auto kernel = KernelLinks::start(run);
  if (!kernel.ok()) return kernel.error();
  lc->kernel_ = std::move(kernel.value());
  if (run.plan().needs_engine()) {
    auto engine = EngineLinks::start(run);
    if (!engine.ok()) return engine.error();
    lc->engine_ = std::move(engine.value());
  }
  // The one place that looks at what carries a link or a segment.
  auto backend = [&](plan::Carrier c) { return c == plan::Carrier::kEngine ? lc->engine_.get() : lc->kernel_.get(); };
  for (const auto& l : run.plan().links) lc->link_backend_[l.id] = backend(l.carrier);
  for (const auto& s : run.plan().segments) lc->segment_backend_[s.name] = backend(s.carrier);
  return lc;
}

LinkControl::LinkControl(Run& run) : run_(run) {}
LinkControl::~LinkControl() = default;

Result<plan::LinkRef> LinkControl::resolve_link(std::string_view name) const {
  return plan::find_link(run_.plan(), name);
}

Result<netem::Impairment> LinkControl::current_link(const model::LinkId& link, Direction d) const {
  auto it = links_now_.find(link);
  if (it == links_now_.end()) return sys_error(ENOENT, "no link " + link.name());
  return d == Direction::kBtoA ? it->second.second : it->second.first;
}

Result<netem::Impairment> LinkControl::current_segment(const model::SegmentId& seg) const {
  auto it = segs_now_.find(seg);
  if (it == segs_now_.end()) return sys_error(ENOENT, "no segment " + seg);
  return it->second;
}

Status LinkControl::set_link(const model::LinkId& link, Direction d, const netem::Impairment& imp) {
  auto it = links_now_.find(link);
  if (it == links_now_.end()) return sys_error(ENOENT, "no link " + link.name());
  const auto cur = it->second;  // a copy: set_link changes the entry
  return set_link(link, d == Direction::kBtoA ? cur.first : imp, d == Direction::kAtoB ? cur.second : imp);
}

Status LinkControl::set_link(const model::LinkId& link, const netem::Impairment& a_to_b,
                             const netem::Impairment& b_to_a) {
  auto ref = plan::find_link(run_.plan(), link);
  if (!ref.ok()) return ref.error();
  const plan::LinkPlan& lp = *ref.value();
  LinkBackend& backend = *link_backend_.at(lp.id);
  auto apply = [&](Direction d, const netem::Impairment& imp) { return backend.set_link(lp, d, imp); };
  auto& now = links_now_.at(lp.id);
  const auto before = now;
  const bool ab = !(before.first == a_to_b), ba = !(before.second == b_to_a);
  if (ab && ba && a_to_b == b_to_a && backend.sets_both_at_once()) {
    FL_TRY(apply(Direction::kBoth, a_to_b));
    now = {a_to_b, b_to_a};
    return {};
  }
  if (ab) {
    FL_TRY(apply(Direction::kAtoB, a_to_b));
    now.first = a_to_b;
  }
  if (ba) {
    const Status st = apply(Direction::kBtoA, b_to_a);
    if (!st.ok()) {
      // Put the first direction back; where even that fails, links_now_
      // (and so `list`) keeps saying what the kernel holds.
      if (ab && apply(Direction::kAtoB, before.first).ok()) now.first = before.first;
      return st;
    }
    now.second = b_to_a;
  }
  return {};
}

Status LinkControl::reset_link(const model::LinkId& link) {
  auto it = links_planned_.find(link);
  if (it == links_planned_.end()) return sys_error(ENOENT, "no link " + link.name());
  // Nothing changed: nothing to do (and a plain veth pair, which cannot be
  // changed without netem, is not an error to `--clear all`).
  if (links_now_[link] == it->second) return {};
  return set_link(link, it->second.first, it->second.second);
}

Status LinkControl::set_segment(const model::SegmentId& seg, const netem::Impairment& imp) {
  auto found = plan::find_segment(run_.plan(), seg);
  if (!found.ok()) return found.error();
  const plan::SegmentPlan* sp = found.value();
  FL_TRY(segment_backend_.at(sp->name)->set_segment(*sp, imp, segs_now_.at(sp->name)));
  segs_now_[sp->name] = imp;
  return {};
}

Status LinkControl::reset_segment(const model::SegmentId& seg) {
  auto it = segs_planned_.find(seg);
  if (it == segs_planned_.end()) return sys_error(ENOENT, "no segment " + seg);
  if (segs_now_[seg] == it->second) return {};  // unchanged
  return set_segment(seg, it->second);
}

Result<std::unique_ptr<ebpf::PartitionFilter>> LinkControl::attach_filter(const model::NodeId& node) {
  auto* h = run_.holder(node);
  if (!h) return sys_error(ENOENT, "no node " + node);
  std::vector<std::string> ifnames;
  for (const auto& a : run_.plan().addresses)
    if (a.node == node) ifnames.push_back(a.ifname);
  std::unique_ptr<ebpf::PartitionFilter> filter;
  const Status st = in_netns(h->netns_fd(), [&]() -> Status {
    std::vector<int> idx;
    for (const auto& n : ifnames) {
      const unsigned i = ::if_nametoindex(n.c_str());
      if (i == 0) return sys_error("find interface " + n + " in " + node);
      idx.push_back(static_cast<int>(i));
    }
    auto f = ebpf::PartitionFilter::attach(idx);
    if (!f.ok()) return f.error();
    filter = std::make_unique<ebpf::PartitionFilter>(std::move(f.value()));
    return {};
  });
  if (!st.ok()) return wrap(st.error(), "partition filter on " + node);
  return filter;
}

Result<std::vector<ebpf::PartitionRule>> LinkControl::rules_for(const model::NodeId& node,
                                                                const std::map<uint32_t, PartitionSpec>& set) const {
  // The node's whole rule set: every partition that drops traffic arriving
  // here, a rule per source address.
  std::vector<ebpf::PartitionRule> rules;
  for (const auto& [id, spec] : set) {
    if (std::find(spec.to.begin(), spec.to.end(), node) == spec.to.end()) continue;
    for (const auto& a : run_.plan().addresses) {
      if (std::find(spec.from.begin(), spec.from.end(), a.node) == spec.from.end()) continue;
      ebpf::PartitionRule r;
      r.id = id;
      r.src_net = a.prefix.addr;
      r.src_mask = 0xffffffffu;
      r.proto = spec.proto;
      r.dport_lo = spec.port_lo;
      r.dport_hi = spec.port_hi;
      r.flap_on_ns = spec.flap_on_ns;
      r.flap_off_ns = spec.flap_off_ns;
      rules.push_back(r);
    }
  }
  if (rules.size() > ebpf::kMaxPartitionRules)
    return sys_error(E2BIG, "node " + node + " would hold " + std::to_string(rules.size()) +
                                " partition rules (one per source address of each partition into it); at most " +
                                std::to_string(ebpf::kMaxPartitionRules) + " per node: heal some first");
  return rules;
}

Status LinkControl::change_partitions(const std::map<uint32_t, PartitionSpec>& target,
                                      const std::vector<model::NodeId>& nodes_in) {
  std::vector<model::NodeId> nodes;
  for (const auto& n : nodes_in)
    if (std::find(nodes.begin(), nodes.end(), n) == nodes.end()) nodes.push_back(n);
  // Every node's new rules first: a node over the limit refuses the change
  // before anything changed.
  std::vector<std::vector<ebpf::PartitionRule>> wanted;
  for (const auto& n : nodes) {
    auto r = rules_for(n, target);
    if (!r.ok()) return r.error();
    wanted.push_back(std::move(r.value()));
  }
  struct Done {
    model::NodeId node;
    std::vector<ebpf::PartitionRule> before;  // what it held
    bool attached = false;                   // its filter was attached for this change
  };
  std::vector<Done> done;
  Status failed;
  for (size_t i = 0; i < nodes.size() && failed.ok(); ++i) {
    const model::NodeId& n = nodes[i];
    auto it = filters_.find(n);
    if (it == filters_.end()) {
      if (wanted[i].empty()) continue;  // nothing to drop, nothing attached
      auto f = attach_filter(n);
      if (!f.ok()) {
        failed = f.error();
        break;
      }
      it = filters_.emplace(n, std::move(f.value())).first;
      done.push_back({n, {}, true});
    } else {
      done.push_back({n, it->second->rules(), false});
    }
    if (const Status st = it->second->set_rules(wanted[i]); !st.ok())
      failed = wrap(st.error(), "partition rules on " + n);
  }
  if (failed.ok()) return {};
  // Undo, last changed first. A filter attached for the change goes whole;
  // the others get their rules back (a refused set_rules changed nothing).
  std::string undo_failed;
  for (auto d = done.rbegin(); d != done.rend(); ++d) {
    if (d->attached) {
      filters_.erase(d->node);
      continue;
    }
    auto& f = *filters_.at(d->node);
    if (f.rules().size() == d->before.size() &&
        std::equal(f.rules().begin(), f.rules().end(), d->before.begin(),
                   [](const auto& x, const auto& y) { return x.id == y.id && x.src_net == y.src_net; }))
      continue;
    if (const Status st = f.set_rules(d->before); !st.ok())
      undo_failed += (undo_failed.empty() ? "" : "; ") + d->node + ": " + st.error().message();
  }
  if (undo_failed.empty()) return failed;
  return Error{failed.error().err, failed.error().context + " (undoing the change failed on " + undo_failed +
                                       "; `faultline fault RUN list` shows what is left, `heal ID` removes it)"};
}

Result<uint32_t> LinkControl::partition(const PartitionSpec& spec) {
  auto ids = partition(std::vector<PartitionSpec>{spec});
  if (!ids.ok()) return ids.error();
  return ids->front();
}

Result<std::vector<uint32_t>> LinkControl::partition(const std::vector<PartitionSpec>& specs) {
  if (!bpf_ok_)
    return sys_error(EOPNOTSUPP, "partitions need tc clsact and cls_bpf, which this kernel refused (see `faultline "
                                 "doctor`)");
  for (const auto& spec : specs)
    for (const auto* side : {&spec.from, &spec.to})
      for (const auto& n : *side)
        if (!run_.holder(n) || n == plan::kFabric)
          return sys_error(ENOENT, "no node '" + n + "' in run " + run_.name());
  auto target = partitions_;
  std::vector<uint32_t> ids;
  std::vector<model::NodeId> nodes;
  for (const auto& spec : specs) {
    const uint32_t id = next_partition_++;
    target[id] = spec;
    ids.push_back(id);
    nodes.insert(nodes.end(), spec.to.begin(), spec.to.end());
  }
  const Status st = change_partitions(target, nodes);
  if (!st.ok()) {
    for (size_t i = 0; i < ids.size(); ++i) leftovers_[ids[i]] = specs[i];
    forget_healed_leftovers();
    return st.error();
  }
  partitions_ = std::move(target);
  return ids;
}

Status LinkControl::heal(uint32_t id) {
  auto target = partitions_;
  std::vector<model::NodeId> nodes;
  if (auto it = target.find(id); it != target.end()) {
    nodes = it->second.to;
    target.erase(it);
  } else if (leftovers_.count(id)) {
    nodes = nodes_holding(id);
  } else {
    return sys_error(ENOENT, "no partition " + std::to_string(id) + " (see `faultline fault RUN list`)");
  }
  const Status st = change_partitions(target, nodes);
  forget_healed_leftovers();
  if (!st.ok()) return st;
  partitions_ = std::move(target);
  return {};
}

Status LinkControl::heal_all() {
  std::vector<model::NodeId> nodes;
  for (const auto& [node, f] : filters_) nodes.push_back(node);
  const Status st = change_partitions({}, nodes);
  forget_healed_leftovers();
  if (!st.ok()) return st;
  partitions_.clear();
  return {};
}

std::vector<model::NodeId> LinkControl::nodes_holding(uint32_t id) const {
  std::vector<model::NodeId> out;
  for (const auto& [node, f] : filters_)
    if (std::any_of(f->rules().begin(), f->rules().end(), [&](const ebpf::PartitionRule& r) { return r.id == id; }))
      out.push_back(node);
  return out;
}

void LinkControl::forget_healed_leftovers() {
  for (auto it = leftovers_.begin(); it != leftovers_.end();)
    it = partitions_.count(it->first) || nodes_holding(it->first).empty() ? leftovers_.erase(it) : std::next(it);
}

std::vector<PartitionInfo> LinkControl::partitions() const {
  std::vector<PartitionInfo> out;
  auto add = [&](uint32_t id, const PartitionSpec& spec, std::vector<model::NodeId> left_on) {
    PartitionInfo pi{id, spec, 0, 0, std::move(left_on)};
    // Counted where its rules are: its receivers, or where it was left.
    for (const auto& node : pi.left_on.empty() ? spec.to : pi.left_on) {
      auto f = filters_.find(node);
      if (f == filters_.end()) continue;
      auto c = f->second->counters();
      if (!c.ok()) continue;
      for (const auto& rc : c.value())
        if (rc.id == id) {
          pi.dropped += rc.dropped;
          pi.passed += rc.passed;
        }
    }
    out.push_back(std::move(pi));
  };
  for (const auto& [id, spec] : partitions_) add(id, spec, {});
  for (const auto& [id, spec] : leftovers_) add(id, spec, nodes_holding(id));
  return out;
}

json LinkControl::engine_stats() const { return engine_ ? engine_->stats() : json(nullptr); }

json LinkControl::describe() const {
  json out{{"links", json::array()}, {"segments", json::array()}, {"partitions", json::array()}};
  for (const auto& l : run_.plan().links) {
    const auto& now = links_now_.at(l.id);
    const auto& planned = links_planned_.at(l.id);
    out["links"].push_back({{"link", l.id.name()},
                            {"carrier", plan::to_string(l.carrier)},
                            {"a_to_b", netem::describe(now.first)},
                            {"b_to_a", netem::describe(now.second)},
                            {"changed", now != planned}});
  }
  for (const auto& s : run_.plan().segments)
    out["segments"].push_back({{"segment", s.name},
                               {"carrier", plan::to_string(s.carrier)},
                               {"impairment", netem::describe(segs_now_.at(s.name))},
                               {"changed", segs_now_.at(s.name) != segs_planned_.at(s.name)}});
  for (const auto& p : partitions()) {
    json j{{"id", p.id}, {"partition", p.spec.describe()}, {"dropped", p.dropped}, {"passed", p.passed}};
    if (!p.left_on.empty()) j["left_on"] = p.left_on;
    out["partitions"].push_back(std::move(j));
  }
  return out;
}

}  // namespace faultline::runtime
