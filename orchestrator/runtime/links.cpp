#include "orchestrator/runtime/links.hpp"

#include <net/if.h>
#include <unistd.h>


#include "ebpf/partition_loader.hpp"
#include "netem/engine/config.hpp"
#include "netem/engine/control_client.hpp"
#include "netem/engine/impairment_json.hpp"
#include "netem/engine/offload.hpp"
#include "netem/kernel/kernel_netem.hpp"
#include "orchestrator/runtime/binaries.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::runtime {

using nlohmann::json;

const char* to_string(Direction d) {
  switch (d) {
    case Direction::kBoth: return "both";
    case Direction::kAtoB: return "a->b";
    case Direction::kBtoA: return "b->a";
  }
  return "?";
}

std::string PartitionSpec::describe() const {
  auto join = [](const std::vector<std::string>& v) {
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
    lc->links_planned_[l.name] = {l.a_to_b, l.b_to_a};
    lc->links_now_[l.name] = {l.a_to_b, l.b_to_a};
  }
  for (const auto& s : run.plan().segments) {
    lc->segs_planned_[s.name] = s.impairment;
    lc->segs_now_[s.name] = s.impairment;
  }
  FL_TRY(lc->install_qdiscs());
  if (run.plan().needs_engine()) FL_TRY(lc->start_engine());
  return lc;
}

LinkControl::LinkControl(Run& run) : run_(run) {}
LinkControl::~LinkControl() = default;

Status LinkControl::install_qdiscs() {
  for (const auto& q : run_.plan().qdiscs) {
    NlSocket* sock = run_.socket(q.node);
    if (!sock) return logic_error("no netlink socket for " + q.node);
    auto idx = sock->ifindex(q.ifname);
    if (!idx.ok()) return idx.error();
    const Status st = netem::netem_apply(sock->raw(), idx.value(), q.impairment, /*create=*/true);
    if (!st.ok()) return wrap(st.error(), "netem for " + q.what);
  }
  return {};
}

Status LinkControl::start_engine() {
  const auto& plan = run_.plan();
  // Per-packet impairments mean what they say only when every frame is one
  // MTU packet: segmentation and checksum offloads off on the node-side ends.
  for (const auto& v : plan.veths) {
    if (!v.offloads_off) continue;
    auto* h = run_.holder(v.b_ns);
    if (!h) return logic_error("no namespace " + v.b_ns);
    const Status st = in_netns(h->netns_fd(), [&] { return netem::disable_offloads(v.b_if); });
    if (!st.ok()) return wrap(st.error(), "offloads off on " + v.b_ns + ":" + v.b_if);
  }
  netem::engine::EngineConfig cfg;
  cfg.seed = plan.seed;
  engine_sock_ = run_.journal().dir() + "/engine.sock";
  cfg.control = engine_sock_;
  for (const auto& l : plan.engine_links) cfg.links.push_back({l.name, l.a_port, l.b_port, l.a_to_b, l.b_to_a});
  for (const auto& s : plan.engine_segments) cfg.segments.push_back({s.name, s.ports, s.impairment});
  const std::string cfg_path = run_.journal().dir() + "/engine.json";
  FL_TRY(netem::engine::write_config(cfg, cfg_path));

  const auto linkd = find_binary(kLinkd);
  if (!linkd.ok()) return wrap(linkd.error(), "start the userspace link engine");
  auto entry = run_.entry(plan::kFabric);
  if (!entry.ok()) return entry.error();
  SpawnOptions so;
  so.log_path = run_.log_dir() + "/engine.log";
  auto p = NodeProcess::spawn(entry.value(), {linkd.value(), "--config", cfg_path}, so);
  if (!p.ok()) return wrap(p.error(), "start the link engine");
  FL_TRY(run_.journal().process({plan::kFabric, "link engine", p->id()}));
  engine_ = std::make_unique<NodeProcess>(std::move(p.value()));
  const Status ready = netem::wait_engine_ready(engine_sock_, 10'000);
  if (!ready.ok()) return wrap(ready.error(), "the link engine did not come up (see " + so.log_path + ")");
  return {};
}

Result<std::pair<std::string, bool>> LinkControl::resolve_link(const std::string& name) const {
  for (const auto& l : run_.plan().links) {
    if (l.name == name) return std::make_pair(l.name, false);
    if (l.b + "-" + l.a == name) return std::make_pair(l.name, true);
  }
  std::string all;
  for (const auto& l : run_.plan().links) all += (all.empty() ? "" : ", ") + l.name;
  return sys_error(ENOENT, "no link '" + name + "' in run " + run_.name() + "; links: " + all);
}

Result<netem::Impairment> LinkControl::current_link(const std::string& link, Direction d) const {
  auto it = links_now_.find(link);
  if (it == links_now_.end()) return sys_error(ENOENT, "no link " + link);
  return d == Direction::kBtoA ? it->second.second : it->second.first;
}

Result<netem::Impairment> LinkControl::current_segment(const std::string& seg) const {
  auto it = segs_now_.find(seg);
  if (it == segs_now_.end()) return sys_error(ENOENT, "no segment " + seg);
  return it->second;
}

Status LinkControl::apply(const std::string& link, Direction d, const netem::Impairment& imp) {
  const plan::LinkPlan* lp = nullptr;
  for (const auto& l : run_.plan().links)
    if (l.name == link) lp = &l;
  if (!lp) return sys_error(ENOENT, "no link " + link);
  if (lp->carrier == plan::Carrier::kEngine) {
    json req{{"op", "set"}, {"link", link}, {"dir", to_string(d)}, {"impairment", imp}};
    auto r = netem::engine_request(engine_sock_, req);
    if (!r.ok()) return wrap(r.error(), "link engine: set " + link);
    return {};
  }
  // Kernel netem: each direction is the qdisc on the sending side's egress.
  auto set_side = [&](const std::string& node, const std::string& ifname) -> Status {
    NlSocket* sock = run_.socket(node);
    if (!sock) return logic_error("no netlink socket for " + node);
    auto idx = sock->ifindex(ifname);
    if (!idx.ok()) return idx.error();
    const bool create = lp->carrier == plan::Carrier::kDirect && !kernel_qdisc_.count(node + ":" + ifname);
    const Status st = netem::netem_apply(sock->raw(), idx.value(), imp, create);
    if (!st.ok()) {
      if (lp->carrier == plan::Carrier::kDirect)
        return wrap(st.error(), "link " + link +
                                    " is a plain veth pair (nothing impairs it in the plan) and the kernel netem "
                                    "could not take it live; declare the link with an impairment, a [[fault]] on "
                                    "it, or backend = \"userspace\"");
      return st;
    }
    kernel_qdisc_.insert(node + ":" + ifname);
    return {};
  };
  if (d != Direction::kBtoA) FL_TRY(set_side(lp->a, lp->b));
  if (d != Direction::kAtoB) FL_TRY(set_side(lp->b, lp->a));
  return {};
}

Status LinkControl::set_link(const std::string& link, Direction d, const netem::Impairment& imp) {
  FL_TRY(apply(link, d, imp));
  auto& now = links_now_[link];
  if (d != Direction::kBtoA) now.first = imp;
  if (d != Direction::kAtoB) now.second = imp;
  return {};
}

Status LinkControl::reset_link(const std::string& link) {
  auto it = links_planned_.find(link);
  if (it == links_planned_.end()) return sys_error(ENOENT, "no link " + link);
  const auto planned = it->second;
  // Nothing changed: nothing to do (and a plain veth pair, which cannot be
  // changed without netem, is not an error to `--clear all`).
  if (links_now_[link] == planned) return {};
  if (planned.first == planned.second) return set_link(link, Direction::kBoth, planned.first);
  FL_TRY(set_link(link, Direction::kAtoB, planned.first));
  return set_link(link, Direction::kBtoA, planned.second);
}

Status LinkControl::set_segment(const std::string& seg, const netem::Impairment& imp) {
  const plan::SegmentPlan* sp = nullptr;
  for (const auto& s : run_.plan().segments)
    if (s.name == seg) sp = &s;
  if (!sp) return sys_error(ENOENT, "no segment " + seg);
  if (sp->carrier == plan::Carrier::kEngine) {
    auto r = netem::engine_request(engine_sock_, json{{"op", "set"}, {"segment", seg}, {"impairment", imp}});
    if (!r.ok()) return wrap(r.error(), "link engine: set segment " + seg);
  } else if (sp->carrier == plan::Carrier::kKernel) {
    NlSocket* sock = run_.socket(plan::kFabric);
    for (const auto& q : run_.plan().qdiscs) {
      if (q.node != plan::kFabric || q.what.rfind("segment " + seg + " ", 0) != 0) continue;
      auto idx = sock->ifindex(q.ifname);
      if (!idx.ok()) return idx.error();
      FL_TRY(netem::netem_apply(sock->raw(), idx.value(), imp, false));
    }
  } else {
    return logic_error("segment " + seg +
                       " is a plain bridge (nothing impairs it in the plan); give it an impairment or a [[fault]], "
                       "or backend = \"userspace\"");
  }
  segs_now_[seg] = imp;
  return {};
}

Status LinkControl::reset_segment(const std::string& seg) {
  auto it = segs_planned_.find(seg);
  if (it == segs_planned_.end()) return sys_error(ENOENT, "no segment " + seg);
  if (segs_now_[seg] == it->second) return {};  // unchanged
  return set_segment(seg, it->second);
}

Status LinkControl::install_partitions(const std::string& node) {
  auto* h = run_.holder(node);
  if (!h) return sys_error(ENOENT, "no node " + node);
  if (!filters_.count(node)) {
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
      auto f = ebpf::PartitionFilter::attach(h->netns_fd(), idx);
      if (!f.ok()) return f.error();
      filter = std::make_unique<ebpf::PartitionFilter>(std::move(f.value()));
      return {};
    });
    if (!st.ok()) return wrap(st.error(), "partition filter on " + node);
    filters_[node] = std::move(filter);
  }
  // The node's whole rule set: every partition that drops traffic arriving here.
  std::vector<ebpf::PartitionRule> rules;
  for (const auto& [id, spec] : partitions_) {
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
  return filters_[node]->set_rules(rules);
}

Result<uint32_t> LinkControl::partition(const PartitionSpec& spec) {
  if (!bpf_ok_)
    return sys_error(EOPNOTSUPP, "partitions need tc clsact and cls_bpf, which this kernel refused (see `faultline "
                                 "doctor`)");
  for (const auto* side : {&spec.from, &spec.to})
    for (const auto& n : *side)
      if (!run_.holder(n) || n == plan::kFabric) return sys_error(ENOENT, "no node '" + n + "' in run " + run_.name());
  const uint32_t id = next_partition_++;
  partitions_[id] = spec;
  for (const auto& n : spec.to) {
    const Status st = install_partitions(n);
    if (!st.ok()) {
      partitions_.erase(id);
      (void)install_partitions(n);
      return st.error();
    }
  }
  return id;
}

Status LinkControl::heal(uint32_t id) {
  auto it = partitions_.find(id);
  if (it == partitions_.end()) return sys_error(ENOENT, "no partition " + std::to_string(id));
  const auto to = it->second.to;
  partitions_.erase(it);
  for (const auto& n : to) FL_TRY(install_partitions(n));
  return {};
}

Status LinkControl::heal_all() {
  std::vector<uint32_t> ids;
  for (const auto& [id, s] : partitions_) ids.push_back(id);
  for (uint32_t id : ids) FL_TRY(heal(id));
  return {};
}

std::vector<PartitionInfo> LinkControl::partitions() const {
  std::vector<PartitionInfo> out;
  for (const auto& [id, spec] : partitions_) {
    PartitionInfo pi{id, spec, 0, 0};
    for (const auto& n : spec.to) {
      auto it = filters_.find(n);
      if (it == filters_.end()) continue;
      auto c = it->second->counters();
      if (!c.ok()) continue;
      for (const auto& rc : c.value())
        if (rc.id == id) {
          pi.dropped += rc.dropped;
          pi.passed += rc.passed;
        }
    }
    out.push_back(pi);
  }
  return out;
}

json LinkControl::engine_stats() const {
  if (!engine_) return nullptr;
  auto r = netem::engine_request(engine_sock_, json{{"op", "stats"}});
  return r.ok() ? r.value() : json{{"error", r.error().message()}};
}

json LinkControl::describe() const {
  json out{{"links", json::array()}, {"segments", json::array()}, {"partitions", json::array()}};
  for (const auto& l : run_.plan().links) {
    const auto& now = links_now_.at(l.name);
    const auto& planned = links_planned_.at(l.name);
    out["links"].push_back({{"link", l.name},
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
  for (const auto& p : partitions())
    out["partitions"].push_back(
        {{"id", p.id}, {"partition", p.spec.describe()}, {"dropped", p.dropped}, {"passed", p.passed}});
  return out;
}

}  // namespace faultline::runtime
