// SPDX-License-Identifier: Apache-2.0
// The run's one HTTP endpoint on the host (127.0.0.1:PORT, experiment.
// metrics_port), served by the workloads' Beast server (workloads/http):
//   /metrics    every workload's own metrics as last scraped, relabelled with
//               run and node, and the collector's per-tick figures
//               (faultline_run_<metric>{run,node,service}): a Prometheus
//               server pointed at it sees the whole experiment without
//               reaching into the nodes;
//   /           the live page: the report's graph and plots, drawn by the
//               report's own script from /live.json as the run goes on;
//   /live.json  the board's latest data (live.hpp), polled by the page.
#pragma once

#include <memory>
#include <string>

#include "base/result.hpp"

namespace faultline::experiment {

class Collector;
class LiveBoard;

class Exporter {
 public:
  // bind: "127.0.0.1:9464" (port 0: any free port). An error when the port
  // is taken. board may be null: no live page.
  static Result<std::unique_ptr<Exporter>> start(const std::string& bind, const std::string& run,
                                                 const Collector& collector, const LiveBoard* board = nullptr);
  ~Exporter();
  uint16_t port() const;

 private:
  struct Impl;
  explicit Exporter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::experiment
