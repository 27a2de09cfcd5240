// The run's one Prometheus endpoint on the host (127.0.0.1:PORT/metrics,
// prometheus-cpp's pull exposer): every workload's own metrics as last
// scraped, relabelled with run and node, and the collector's per-tick
// figures (faultline_run_<metric>{run,node,service}). A Prometheus server
// pointed at it sees the whole experiment without reaching into the nodes.
#pragma once

#include <memory>
#include <string>

#include "base/result.hpp"

namespace faultline::experiment {

class Collector;

class Exporter {
 public:
  // bind: "127.0.0.1:9464". An error when the port is taken.
  static Result<std::unique_ptr<Exporter>> start(const std::string& bind, const std::string& run,
                                                 const Collector& collector);
  ~Exporter();
  uint16_t port() const;

 private:
  struct Impl;
  explicit Exporter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::experiment
