// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/kernel_links.hpp"

#include <nlohmann/json.hpp>

#include "netem/kernel/kernel_netem.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::runtime {

using model::Direction;

Result<std::unique_ptr<KernelLinks>> KernelLinks::start(Run& run) {
  std::unique_ptr<KernelLinks> k(new KernelLinks(run));
  for (const auto& q : run.plan().qdiscs) {
    NlSocket* sock = run.socket(q.node);
    if (!sock) return logic_error("no netlink socket for " + q.node);
    auto idx = sock->ifindex(q.ifname);
    if (!idx.ok()) return idx.error();
    const Status st = netem::netem_apply(sock->raw(), idx.value(), q.impairment, /*create=*/true);
    if (!st.ok()) return wrap(st.error(), "netem for " + q.what);
    if (q.link) k->link_qdiscs_[{*q.link, q.dir}] = {q.node, idx.value()};
    if (q.segment) k->segment_qdiscs_[*q.segment].push_back(idx.value());
  }
  return k;
}

// Each direction is the qdisc on the sending side's egress.
Status KernelLinks::set_side(const plan::LinkPlan& link, Direction side, const netem::Impairment& imp) {
  const bool ab = side == Direction::kAtoB;
  const std::string& node = ab ? link.id.a : link.id.b;
  NlSocket* sock = run_.socket(node);
  if (!sock) return logic_error("no netlink socket for " + node);
  auto known = link_qdiscs_.find({link.id, side});
  if (known != link_qdiscs_.end()) return netem::netem_apply(sock->raw(), known->second.second, imp, false);
  // A plain veth pair: its first change creates the qdisc on the interface
  // named after the peer.
  auto idx = sock->ifindex(ab ? link.id.b : link.id.a);
  if (!idx.ok()) return idx.error();
  const Status st = netem::netem_apply(sock->raw(), idx.value(), imp, /*create=*/true);
  if (!st.ok())
    return wrap(st.error(), "link " + link.id.name() +
                                " is a plain veth pair (nothing impairs it in the plan) and the kernel netem "
                                "could not take it live; declare the link with an impairment, a [[fault]] on "
                                "it, or backend = \"userspace\"");
  link_qdiscs_[{link.id, side}] = {node, idx.value()};
  return {};
}

Status KernelLinks::set_link(const plan::LinkPlan& link, Direction d, const netem::Impairment& imp) {
  if (model::covers_a_to_b(d)) FL_TRY(set_side(link, Direction::kAtoB, imp));
  if (model::covers_b_to_a(d)) FL_TRY(set_side(link, Direction::kBtoA, imp));
  return {};
}

Status KernelLinks::set_segment(const plan::SegmentPlan& seg, const netem::Impairment& imp,
                                const netem::Impairment& now) {
  auto it = segment_qdiscs_.find(seg.name);
  if (it == segment_qdiscs_.end())
    return logic_error("segment " + seg.name +
                       " is a plain bridge (nothing impairs it in the plan); give it an impairment or a [[fault]], "
                       "or backend = \"userspace\"");
  NlSocket* sock = run_.socket(plan::kFabric);
  if (!sock) return logic_error("no netlink socket for the fabric");
  std::vector<int> changed;
  for (int idx : it->second) {
    const Status st = netem::netem_apply(sock->raw(), idx, imp, false);
    if (!st.ok()) {
      for (int i : changed) (void)netem::netem_apply(sock->raw(), i, now, false);
      return wrap(st.error(), "segment " + seg.name + " (fabric interface " + std::to_string(idx) + ")");
    }
    changed.push_back(idx);
  }
  return {};
}

nlohmann::json KernelLinks::stats() const { return nullptr; }

}  // namespace faultline::runtime
