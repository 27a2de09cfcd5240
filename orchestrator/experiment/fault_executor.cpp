// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/fault_executor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "orchestrator/experiment/timeline.hpp"
#include "orchestrator/measure/scraper.hpp"
#include "orchestrator/runtime/node_faults.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::experiment {

namespace {

template <class T>
T mix(T a, T b, double f) {
  return static_cast<T>(std::llround(static_cast<double>(a) + (static_cast<double>(b) - static_cast<double>(a)) * f));
}

}  // namespace

netem::Impairment ramp_impairment(const netem::Impairment& from, const netem::Impairment& to, double f) {
  if (f >= 1) return to;
  netem::Impairment m = to;  // models, distributions, correlations, limits: the target's
  m.delay_ns = mix(from.delay_ns, to.delay_ns, f);
  m.jitter_ns = mix(from.jitter_ns, to.jitter_ns, f);
  m.loss_ppm = mix(from.loss_ppm, to.loss_ppm, f);
  m.duplicate_ppm = mix(from.duplicate_ppm, to.duplicate_ppm, f);
  m.corrupt_ppm = mix(from.corrupt_ppm, to.corrupt_ppm, f);
  m.reorder_ppm = mix(from.reorder_ppm, to.reorder_ppm, f);
  if (to.rate_bps != 0) {
    // From unlimited, the rate falls hyperbolically towards the target
    // (rate/f), so the bottleneck tightens steadily instead of jumping.
    m.rate_bps = from.rate_bps != 0 ? mix(from.rate_bps, to.rate_bps, f)
                                    : static_cast<uint64_t>(static_cast<double>(to.rate_bps) / std::max(f, 1e-3));
  } else {
    m.rate_bps = f < 1 ? from.rate_bps : 0;
  }
  // Jitter needs a delay to sit on; a ramp must never make an invalid mix.
  if (m.delay_ns == 0) m.jitter_ns = 0;
  return m;
}

struct FaultExecutor::Applied {
  size_t index = 0;
  const model::Fault* fault = nullptr;
  // What the fault replaced, to put back.
  std::optional<netem::Impairment> prior_ab, prior_ba, prior_segment;
  std::vector<uint32_t> partitions;
  std::optional<double> prior_rate;
  std::vector<runtime::AppliedNodeFault> node;  // each reverts itself if dropped
};

FaultExecutor::FaultExecutor(runtime::Run& run, const model::Topology& topo, EventLog& events)
    : run_(run), topo_(topo), events_(events) {}

FaultExecutor::~FaultExecutor() {
  // Ctrl-C, an exception, an early return: whatever is still applied goes.
  (void)revert_all(-1);
}

std::vector<size_t> FaultExecutor::active() const { return order_; }

Status FaultExecutor::apply(size_t index, double fraction, double t_s) {
  if (index >= topo_.faults.size()) return logic_error("no fault " + std::to_string(index));
  const auto& f = topo_.faults[index];
  auto it = applied_.find(index);
  const bool first = it == applied_.end();
  if (first) {
    auto a = std::make_unique<Applied>();
    a->index = index;
    a->fault = &f;
    it = applied_.emplace(index, std::move(a)).first;
    order_.push_back(index);
  }
  Applied& a = *it->second;
  Status st;
  switch (f.target.kind) {
    case model::FaultTarget::Kind::kLink: st = apply_link(f, a, fraction); break;
    case model::FaultTarget::Kind::kSegment: st = apply_segment(f, a, fraction); break;
    case model::FaultTarget::Kind::kLoad: st = apply_load(f, a, fraction); break;
    case model::FaultTarget::Kind::kNode: st = apply_node(f, a, fraction); break;
  }
  const std::string target = describe_target(f.target);
  if (!st.ok()) {
    events_.add(t_s, "fault", {{"state", "failed"}, {"fault", index}, {"target", target}, {"what", st.error().message()}});
    if (first) {
      (void)undo(a);  // whatever part of it took effect
      applied_.erase(index);
      order_.erase(std::remove(order_.begin(), order_.end(), index), order_.end());
    }
    return wrap(st.error(), "fault " + std::to_string(index) + " (" + target + ")");
  }
  nlohmann::json ev = {{"state", first ? "applied" : "ramp"}, {"fault", index}, {"target", target},
                       {"what", describe_fault(f)}};
  if (f.target.kind == model::FaultTarget::Kind::kLink) ev["link"] = f.target.link;
  if (fraction < 1 || !first) ev["fraction"] = std::round(fraction * 1000) / 1000;
  events_.add(t_s, "fault", ev);
  if (f.action == model::Fault::Action::kRestart) {
    // A restart acts once: nothing stays applied.
    applied_.erase(index);
    order_.erase(std::remove(order_.begin(), order_.end(), index), order_.end());
  }
  return {};
}

Status FaultExecutor::revert(size_t index, double t_s) {
  auto it = applied_.find(index);
  if (it == applied_.end()) return {};  // never applied (it failed) or already reverted
  const Status st = undo(*it->second);
  const auto& f = topo_.faults[index];
  nlohmann::json ev = {{"state", st.ok() ? "reverted" : "failed"}, {"fault", index},
                       {"target", describe_target(f.target)}, {"what", describe_fault(f)}};
  if (!st.ok()) ev["error"] = st.error().message();
  if (t_s >= 0) events_.add(t_s, "fault", ev);
  applied_.erase(it);
  order_.erase(std::remove(order_.begin(), order_.end(), index), order_.end());
  return st;
}

Status FaultExecutor::revert_all(double t_s) {
  Status first;
  while (!order_.empty()) {
    const size_t i = order_.back();
    const Status st = revert(i, t_s);
    if (!st.ok() && first.ok()) first = st;
    // revert() erases i from order_ whatever happened.
  }
  return first;
}

Status FaultExecutor::apply_link(const model::Fault& f, Applied& a, double fraction) {
  auto* lc = run_.links();
  if (!lc) return logic_error("the run has no link control");
  // The target's LinkId is in the link's `between` order, which is the plan's.
  const model::LinkId& link = f.target.link;
  if (f.action == model::Fault::Action::kPartition) {
    if (!a.partitions.empty()) return {};
    const bool ab = model::covers_a_to_b(f.direction), ba = model::covers_b_to_a(f.direction);
    for (int dir = 0; dir < 2; ++dir) {
      if ((dir == 0 && !ab) || (dir == 1 && !ba)) continue;
      runtime::PartitionSpec s;
      s.from = {dir == 0 ? link.a : link.b};
      s.to = {dir == 0 ? link.b : link.a};
      auto id = lc->partition(s);
      if (!id.ok()) return id.error();
      a.partitions.push_back(*id);
    }
    return {};
  }
  if (!f.impairment) return logic_error("link fault without an impairment or a partition");
  const bool ab = model::covers_a_to_b(f.direction), ba = model::covers_b_to_a(f.direction);
  if (ab) {
    if (!a.prior_ab) {
      auto cur = lc->current_link(link, runtime::Direction::kAtoB);
      if (!cur.ok()) return cur.error();
      a.prior_ab = *cur;
    }
    FL_TRY(lc->set_link(link, runtime::Direction::kAtoB, ramp_impairment(*a.prior_ab, f.during_a_to_b, fraction)));
  }
  if (ba) {
    if (!a.prior_ba) {
      auto cur = lc->current_link(link, runtime::Direction::kBtoA);
      if (!cur.ok()) return cur.error();
      a.prior_ba = *cur;
    }
    FL_TRY(lc->set_link(link, runtime::Direction::kBtoA, ramp_impairment(*a.prior_ba, f.during_b_to_a, fraction)));
  }
  return {};
}

Status FaultExecutor::apply_segment(const model::Fault& f, Applied& a, double fraction) {
  auto* lc = run_.links();
  if (!lc) return logic_error("the run has no link control");
  if (f.action == model::Fault::Action::kPartition) {
    // Every member cut from every other member.
    if (!a.partitions.empty()) return {};
    for (const auto& s : topo_.segments) {
      if (s.name != f.target.segment) continue;
      for (const auto& m : s.members) {
        runtime::PartitionSpec p;
        p.from = {m};
        for (const auto& o : s.members)
          if (o != m) p.to.push_back(o);
        auto id = lc->partition(p);
        if (!id.ok()) return id.error();
        a.partitions.push_back(*id);
      }
    }
    return {};
  }
  if (!f.impairment) return logic_error("segment fault without an impairment or a partition");
  if (!a.prior_segment) {
    auto cur = lc->current_segment(f.target.segment);
    if (!cur.ok()) return cur.error();
    a.prior_segment = *cur;
  }
  return lc->set_segment(f.target.segment, ramp_impairment(*a.prior_segment, f.during_a_to_b, fraction));
}

namespace {

// The control endpoint of a node's load generator, inside its node.
Result<measure::Scraper> load_control(runtime::Run& run, const model::Topology& topo, const model::NodeId& node) {
  const auto* n = topo.find_node(node);
  if (!n || !n->load) return logic_error("no load generator on node " + node);
  auto* h = run.holder(node);
  if (!h) return logic_error("no namespace holder for node " + node);
  return measure::Scraper(h->netns_fd(), n->load->metrics_port, std::chrono::milliseconds(1000));
}

Status post_rate(measure::Scraper& ctl, double rate) {
  char q[64];
  std::snprintf(q, sizeof q, "/control/rate?value=%.6g", rate);
  auto r = ctl.post(q);
  if (!r.ok()) return r.error();
  return {};
}

}  // namespace

Status FaultExecutor::apply_load(const model::Fault& f, Applied& a, double fraction) {
  auto ctl = load_control(run_, topo_, f.target.node);
  if (!ctl.ok()) return ctl.error();
  if (!a.prior_rate) {
    auto cur = ctl->get("/control/rate");
    if (!cur.ok()) return cur.error();
    try {
      a.prior_rate = std::stod(*cur);
    } catch (const std::exception&) {
      return logic_error("load generator on " + f.target.node + " answered '" + cur->substr(0, 40) +
                         "' for its rate, expected a number");
    }
  }
  const double rate = *a.prior_rate + (f.rate.value_or(*a.prior_rate) - *a.prior_rate) * std::min(fraction, 1.0);
  return post_rate(*ctl, rate);
}

Status FaultExecutor::apply_node(const model::Fault& f, Applied& a, double fraction) {
  if (a.node.empty()) {
    runtime::NodeFaultOptions opts;
    opts.ramped = f.ramp_ns > 0;
    opts.ramp_ns = f.ramp_ns;
    auto r = runtime::apply_node_fault(run_, f, opts);
    if (!r.ok()) return r.error();
    a.node = std::move(r.value());
  }
  if (f.ramp_ns > 0)
    for (auto& nf : a.node)
      if (nf.kind() == runtime::NodeFaultKind::kCpu || nf.kind() == runtime::NodeFaultKind::kMemory)
        FL_TRY(nf.ramp(std::min(fraction, 1.0)));
  return {};
}

Status FaultExecutor::undo_node(Applied& a) {
  Status first;
  // Newest first: the reverse of how they were applied.
  for (auto it = a.node.rbegin(); it != a.node.rend(); ++it) {
    const Status st = it->revert();
    if (!st.ok() && first.ok()) first = st;
  }
  a.node.clear();
  return first;
}

Status FaultExecutor::undo(Applied& a) {
  const auto& f = *a.fault;
  Status first;
  auto keep = [&](Status st) {
    if (!st.ok() && first.ok()) first = std::move(st);
  };
  auto* lc = run_.links();
  for (uint32_t id : a.partitions)
    if (lc) keep(lc->heal(id));
  a.partitions.clear();
  if (lc && a.prior_ab) keep(lc->set_link(f.target.link, runtime::Direction::kAtoB, *a.prior_ab));
  if (lc && a.prior_ba) keep(lc->set_link(f.target.link, runtime::Direction::kBtoA, *a.prior_ba));
  if (lc && a.prior_segment) keep(lc->set_segment(f.target.segment, *a.prior_segment));
  a.prior_ab.reset();
  a.prior_ba.reset();
  a.prior_segment.reset();
  if (a.prior_rate) {
    auto ctl = load_control(run_, topo_, f.target.node);
    keep(ctl.ok() ? post_rate(*ctl, *a.prior_rate) : Status(ctl.error()));
    a.prior_rate.reset();
  }
  keep(undo_node(a));
  return first;
}

}  // namespace faultline::experiment
