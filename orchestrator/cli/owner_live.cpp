// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/cli/owner_live.hpp"

#include <algorithm>
#include <cstdio>

#include "orchestrator/runtime/state.hpp"

namespace faultline::cli {

namespace {

// A steady_clock time as CLOCK_MONOTONIC nanoseconds, the spans' clock.
int64_t mono_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::unique_ptr<OwnerLive> OwnerLive::start(runtime::Run& run, const model::Topology& topo, const std::string& log_dir) {
  // Nothing to watch without workloads or a user's own programs (whose
  // flows, CPU and run-queue wait the collector reads from the kernel), and
  // nothing spent on it: a run of bare nodes (most tests, the largest
  // topologies) collects nothing.
  const bool programs = std::any_of(topo.nodes.begin(), topo.nodes.end(), [](const auto& n) { return !n.command.empty(); });
  if (experiment::scrape_targets(topo).empty() && !programs) return nullptr;
  std::unique_ptr<OwnerLive> l(new OwnerLive(run, topo));
  auto say = [](const std::string& why) {
    std::fprintf(stderr, "faultline: no live view (faultline watch, the live page): %s\n", why.c_str());
  };
  auto ev = experiment::EventLog::open(log_dir + "/events.jsonl");
  if (!ev.ok()) {
    say(ev.error().message());
    return nullptr;
  }
  l->events_ = std::move(ev.value());
  auto c = experiment::Collector::open(run, topo, log_dir + "/timeseries.csv", l->events_);
  if (!c.ok()) {
    say(c.error().message());
    return nullptr;
  }
  l->collector_ = std::move(c.value());
  l->board_ = std::make_unique<experiment::LiveBoard>(runtime::run_dir(run.name()) + "/live.json");
  auto e = experiment::Exporter::start("127.0.0.1:" + std::to_string(topo.experiment.metrics_port), run.name(),
                                       *l->collector_, l->board_.get());
  if (e.ok()) l->exporter_ = std::move(e.value());
  else std::fprintf(stderr, "faultline: no live page (faultline watch works): %s\n", e.error().message().c_str());
  l->tick_ = std::chrono::nanoseconds(topo.experiment.tick_ns);
  l->t0_ = std::chrono::steady_clock::now();
  l->next_due_ = l->t0_ + l->tick_;
  return l;
}

OwnerLive::~OwnerLive() {
  if (board_) board_->end();
  exporter_.reset();  // it reads the collector
}

std::string OwnerLive::page_url() const {
  return exporter_ ? "http://127.0.0.1:" + std::to_string(exporter_->port()) + "/" : "";
}

double OwnerLive::now_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

std::chrono::milliseconds OwnerLive::until_tick() const {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_due_ - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

void OwnerLive::tick_if_due() {
  if (until_tick().count() > 0) return;
  const double t = now_s();
  collector_->tick(ticks_++, t);
  forget_old_records();
  // A late tick is not made up for: the next one is due a tick from now.
  next_due_ = std::max(next_due_ + tick_, std::chrono::steady_clock::now());
  board_->refresh([&] {
    experiment::LiveInput li;
    li.topo = &topo_;
    li.run = run_.name();
    li.source = "up";
    li.store = &collector_->store();
    li.records = &collector_->records().sources();
    li.t0_ns = mono_ns(t0_);
    li.now_s = t;
    const double warm = static_cast<double>(topo_.experiment.warmup_ns) / 1e9;
    const double base_end = warm + static_cast<double>(topo_.experiment.baseline_ns) / 1e9;
    li.phase = t < warm ? "warmup" : t < base_end ? "baseline" : "live";
    li.faults = faults_;
    li.planned_lengths = false;
    li.limits = experiment::current_limits(run_);
    li.ended = experiment::ended_per_source(topo_, run_.exits());
    li.events = &events_.events();
    li.page_url = page_url();
    return experiment::live_data(li);
  });
}

void OwnerLive::forget_old_records() {
  const int64_t t0_ns = mono_ns(t0_), now_ns = mono_ns(std::chrono::steady_clock::now());
  const auto& ex = topo_.experiment;
  collector_->forget_records(now_ns - ex.live_records_ns, t0_ns + ex.warmup_ns,
                             t0_ns + ex.warmup_ns + ex.baseline_ns);
}

void OwnerLive::opened(const std::string& target, const std::string& what, std::optional<model::LinkId> link) {
  const double t = now_s();
  experiment::FaultRecord f;
  f.index = faults_.size();
  f.target = target;
  f.what = what;
  f.at_s = t;
  f.applied_s = t;
  f.link = std::move(link);
  nlohmann::json ev = {{"index", f.index}, {"target", target}, {"what", what}, {"action", "applied"}};
  if (f.link) ev["link"] = *f.link;
  faults_.push_back(std::move(f));
  events_.add(t, "fault", ev);
}

void OwnerLive::closed(const std::function<bool(const experiment::FaultRecord&)>& which) {
  const double t = now_s();
  for (auto& f : faults_)
    if (f.applied_s && !f.reverted_s && which(f)) {
      f.reverted_s = t;
      f.for_s = t - *f.applied_s;
      events_.add(t, "fault", {{"index", f.index}, {"target", f.target}, {"action", "reverted"}});
    }
}

std::string OwnerLive::link_as_planned(const std::string& target) const {
  const auto id = planned_link(target);
  return id ? "link:" + id->name() : target;
}

std::optional<model::LinkId> OwnerLive::planned_link(const std::string& target) const {
  if (target.rfind("link:", 0) != 0 || run_.links() == nullptr) return std::nullopt;
  // "api->db" (one way) is the same link as "api-db": one record.
  const auto r = run_.links()->resolve_link(std::string_view(target).substr(5));
  if (!r.ok()) return std::nullopt;
  return r.value().link->id;
}

void OwnerLive::note(const runtime::ControlRequest& req, const nlohmann::json& reply) {
  using Op = runtime::ControlRequest::Op;
  if (!reply.value("ok", false)) return;
  std::string args;
  for (const auto& a : req.args) args += (args.empty() ? "" : " ") + a;
  switch (req.op) {
    case Op::kImpair:
      opened(link_as_planned(req.target), args, planned_link(req.target));
      break;
    case Op::kPartition: {
      const auto ids = reply.value("ids", nlohmann::json::array());
      for (size_t i = 0; i < ids.size(); ++i) {
        auto spec = req.partition;
        if (i == 1) std::swap(spec.from, spec.to);
        opened("partition:" + std::to_string(ids[i].get<uint32_t>()), spec.describe());
      }
      break;
    }
    case Op::kClear:
      if (req.target == "all") closed([](const auto&) { return true; });
      else closed([&, target = link_as_planned(req.target)](const auto& f) { return f.target == target; });
      break;
    case Op::kHeal: {
      const std::string one = req.id ? "partition:" + std::to_string(*req.id) : "";
      closed([&](const auto& f) { return one.empty() ? f.target.rfind("partition:", 0) == 0 : f.target == one; });
      break;
    }
    default:
      break;
  }
}

}  // namespace faultline::cli
