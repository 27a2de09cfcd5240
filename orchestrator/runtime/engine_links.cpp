// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/engine_links.hpp"

#include <nlohmann/json.hpp>

#include "netem/engine/control_client.hpp"
#include "netem/engine/impairment_json.hpp"
#include "netem/engine/offload.hpp"
#include "orchestrator/runtime/binaries.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::runtime {

using nlohmann::json;

netem::engine::EngineConfig engine_config(const plan::Plan& plan, const std::string& control) {
  netem::engine::EngineConfig cfg;
  cfg.seed = plan.seed;
  cfg.control = control;
  for (const auto& l : plan.links)
    if (l.carrier == plan::Carrier::kEngine) cfg.links.push_back({l.id.name(), l.a_port, l.b_port, l.a_to_b, l.b_to_a});
  for (const auto& s : plan.segments)
    if (s.carrier == plan::Carrier::kEngine) cfg.segments.push_back({s.name, s.ports, s.impairment});
  return cfg;
}

Result<std::unique_ptr<EngineLinks>> EngineLinks::start(Run& run) {
  const auto& plan = run.plan();
  // Per-packet impairments mean what they say only when every frame is one
  // MTU packet: segmentation and checksum offloads off on the node-side ends.
  for (const auto& v : plan.veths) {
    if (!v.offloads_off) continue;
    auto* h = run.holder(v.b_ns);
    if (!h) return logic_error("no namespace " + v.b_ns);
    const Status st = in_netns(h->netns_fd(), [&] { return netem::disable_offloads(v.b_if); });
    if (!st.ok()) return wrap(st.error(), "offloads off on " + v.b_ns + ":" + v.b_if);
  }
  std::unique_ptr<EngineLinks> e(new EngineLinks());
  e->sock_ = run.journal().dir() + "/engine.sock";
  const std::string cfg_path = run.journal().dir() + "/engine.json";
  FL_TRY(netem::engine::write_config(engine_config(plan, e->sock_), cfg_path));

  const auto linkd = find_binary(kLinkd);
  if (!linkd.ok()) return wrap(linkd.error(), "start the userspace link engine");
  auto entry = run.entry(plan::kFabric);
  if (!entry.ok()) return entry.error();
  SpawnOptions so;
  so.log_path = run.log_dir() + "/engine.log";
  auto p = NodeProcess::spawn(entry.value(), {linkd.value(), "--config", cfg_path}, so);
  if (!p.ok()) return wrap(p.error(), "start the link engine");
  FL_TRY(run.journal().process({plan::kFabric, "link engine", p->id()}));
  e->engine_ = std::make_unique<NodeProcess>(std::move(p.value()));
  const Status ready = netem::wait_engine_ready(e->sock_, 10'000);
  if (!ready.ok()) return wrap(ready.error(), "the link engine did not come up (see " + so.log_path + ")");
  return e;
}

EngineLinks::~EngineLinks() = default;

Status EngineLinks::set_link(const plan::LinkPlan& link, model::Direction d, const netem::Impairment& imp) {
  json req{{"op", "set"}, {"link", link.id.name()}, {"dir", model::to_string(d)}, {"impairment", imp}};
  auto r = netem::engine_request(sock_, req);
  if (!r.ok()) return wrap(r.error(), "link engine: set " + link.id.name());
  return {};
}

Status EngineLinks::set_segment(const plan::SegmentPlan& seg, const netem::Impairment& imp,
                                const netem::Impairment& /*now: the engine changes it in one step*/) {
  auto r = netem::engine_request(sock_, json{{"op", "set"}, {"segment", seg.name}, {"impairment", imp}});
  if (!r.ok()) return wrap(r.error(), "link engine: set segment " + seg.name);
  return {};
}

json EngineLinks::stats() const {
  auto r = netem::engine_request(sock_, json{{"op", "stats"}});
  return r.ok() ? r.value() : json{{"error", r.error().message()}};
}

}  // namespace faultline::runtime
