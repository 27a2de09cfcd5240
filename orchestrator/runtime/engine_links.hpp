// SPDX-License-Identifier: Apache-2.0
// Link impairments carried by the userspace link engine, faultline-linkd,
// started here in the run's fabric namespace: each engine-carried link's or
// segment's node ends are veths whose peers are engine ports. Its
// configuration is derived from the plan's links and segments (engine_config),
// and live changes are requests on its control socket.
#pragma once

#include <memory>
#include <string>

#include "netem/engine/config.hpp"
#include "orchestrator/runtime/link_backend.hpp"

namespace faultline::runtime {

class Run;
class NodeProcess;

// The engine's configuration: the plan's engine-carried links and segments,
// the run's seed, the control socket at `control`.
netem::engine::EngineConfig engine_config(const plan::Plan& plan, const std::string& control);

class EngineLinks final : public LinkBackend {
 public:
  // Offloads off on the node-side ends of engine ports, the configuration
  // written to the run's folder, the engine started and answering.
  static Result<std::unique_ptr<EngineLinks>> start(Run& run);
  ~EngineLinks() override;

  Status set_link(const plan::LinkPlan& link, model::Direction d, const netem::Impairment& imp) override;
  bool sets_both_at_once() const override { return true; }
  Status set_segment(const plan::SegmentPlan& seg, const netem::Impairment& imp,
                     const netem::Impairment& now) override;
  // Its "stats" answer (an error object when it does not answer).
  nlohmann::json stats() const override;

 private:
  EngineLinks() = default;

  std::string sock_;
  std::unique_ptr<NodeProcess> engine_;
};

}  // namespace faultline::runtime
