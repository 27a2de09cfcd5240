// SPDX-License-Identifier: Apache-2.0
// The live view of a run brought up by `faultline up`: its owner collects
// every tick as `faultline run` does (the same Collector), notes the faults
// typed with `faultline fault` as they are applied and cleared, and
// publishes the present moment (experiment/live.hpp) to the run's state
// folder for `faultline watch` and to the live page at
// http://127.0.0.1:<experiment.metrics_port>/. Times count from the end of
// bring-up; health is judged against the baseline phase of the file's
// [experiment] (warmup, then baseline), as in `faultline run`.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/experiment/collector.hpp"
#include "orchestrator/experiment/event_log.hpp"
#include "orchestrator/experiment/exporter.hpp"
#include "orchestrator/experiment/live_board.hpp"
#include "orchestrator/experiment/results.hpp"
#include "orchestrator/model/topology.hpp"
#include "orchestrator/runtime/control_request.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::cli {

class OwnerLive {
 public:
  // Null (with the reason on stderr) when the run cannot be collected: the
  // run works without a live view. log_dir holds timeseries.csv and
  // events.jsonl of the session.
  static std::unique_ptr<OwnerLive> start(runtime::Run& run, const model::Topology& topo, const std::string& log_dir);
  ~OwnerLive();

  // How long until the next tick is due.
  std::chrono::milliseconds until_tick() const;
  // Collects and publishes when a tick is due.
  void tick_if_due();
  // A control request the owner answered: faults applied and cleared.
  void note(const runtime::ControlRequest& req, const nlohmann::json& reply);
  // The live page's address, "" when its port was taken.
  std::string page_url() const;

 private:
  OwnerLive(runtime::Run& run, const model::Topology& topo) : run_(run), topo_(topo) {}
  double now_s() const;
  // Lets go of request records older than [experiment] live_records,
  // keeping the baseline's: a session of hours stays bounded.
  void forget_old_records();
  void opened(const std::string& target, const std::string& what, std::optional<model::LinkId> link = std::nullopt);
  void closed(const std::function<bool(const experiment::FaultRecord&)>& which);
  // "link:b-a" or "link:b->a" as the plan names the link ("link:a-b"), so
  // a clear written in either order closes the record an impair opened.
  std::string link_as_planned(const std::string& target) const;
  // The link a "link:..." target names, when the run has it.
  std::optional<model::LinkId> planned_link(const std::string& target) const;

  runtime::Run& run_;
  const model::Topology& topo_;
  std::chrono::steady_clock::time_point t0_;
  std::chrono::steady_clock::time_point next_due_;
  std::chrono::steady_clock::duration tick_{};
  size_t ticks_ = 0;
  experiment::EventLog events_;
  std::unique_ptr<experiment::Collector> collector_;
  std::unique_ptr<experiment::LiveBoard> board_;
  std::unique_ptr<experiment::Exporter> exporter_;
  std::vector<experiment::FaultRecord> faults_;
};

}  // namespace faultline::cli
