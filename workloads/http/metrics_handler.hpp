// SPDX-License-Identifier: Apache-2.0
// GET /metrics: the Prometheus text exposition format (version 0.0.4) of a
// prometheus::Registry plus the process metrics, served by the workload's own
// HTTP server (prometheus-cpp's pull exposer would bring civetweb and a
// second server).
#pragma once

#include <prometheus/registry.h>

#include <memory>

#include "workloads/http/process_collector.hpp"
#include "workloads/http/server.hpp"

namespace faultline::workloads::http {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

class MetricsHandler {
 public:
  explicit MetricsHandler(std::shared_ptr<prometheus::Registry> registry) : registry_(std::move(registry)) {}

  // The current metrics as a 200 response (the caller routes GET /metrics here).
  Response respond() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  ProcessCollector process_;
};

}  // namespace faultline::workloads::http
