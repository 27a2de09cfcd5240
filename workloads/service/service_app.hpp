// SPDX-License-Identifier: Apache-2.0
// faultline-service's request path: routes a request by path to one of the
// service's endpoints (or /metrics, /records), holds its memory from arrival,
// admits it to a worker slot through the WorkerGate (or sheds it), has the
// endpoint serve it and records the outcome in the metrics and as a request
// span (its parent: the caller's attempt, from `traceparent`).
//
// Lifetime: build it after the io_context and destroy it before; at shutdown,
// once the io_context has stopped, call shutdown() and then destroy the
// io_context's pending handlers (IoContext::destroy_pending) while this
// object still lives, since suspended requests refer to it.
#pragma once

#include <prometheus/registry.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "workloads/http/metrics_handler.hpp"
#include "workloads/http/server.hpp"
#include "workloads/policy/random.hpp"
#include "workloads/service/cpu_pool.hpp"
#include "workloads/service/endpoint.hpp"
#include "workloads/service/metrics.hpp"
#include "workloads/service/worker_gate.hpp"
#include "workloads/spec/config.hpp"
#include "workloads/trace/recorder.hpp"

namespace faultline::workloads::service {

// Errors of a configuration the service cannot serve (the loader checks
// topologies; a hand-written JSON file may still be wrong).
Status validate(const spec::Service& s);

class ServiceApp {
 public:
  ServiceApp(asio::any_io_executor ex, const ServiceConfig& config);
  ServiceApp(const ServiceApp&) = delete;
  ServiceApp& operator=(const ServiceApp&) = delete;

  // Listens on address and the configured port (0: an ephemeral one).
  Result<asio::ip::tcp::endpoint> listen(const std::string& address) {
    return server_.listen(address, config_.service.port);
  }
  void start() { server_.start(); }
  // Stops accepting new connections (from any thread).
  void stop_accepting() { server_.stop(); }
  // After the io_context stopped: stops CPU work, drops queued requests,
  // ends downstream calls.
  void shutdown();

  const std::string& name() const { return name_; }
  trace::Recorder& recorder() { return recorder_; }

 private:
  struct Endpoint {
    Endpoint(asio::any_io_executor ex, const spec::Endpoint& cfg, CpuPool* cpu, prometheus::Registry& r,
             const std::string& service, trace::Recorder& recorder)
        : metrics(r, service, cfg.path),
          runner(ex, cfg, cpu, policy::SteadyClock::instance(), r, service, &recorder),
          trace_name(recorder.name(cfg.path)) {}
    EndpointMetrics metrics;
    EndpointRunner runner;
    uint16_t trace_name;
  };

  asio::awaitable<http::Response> handle(const http::Request& req);
  Endpoint* route(std::string_view path);

  ServiceConfig config_;
  std::string name_;
  trace::Recorder recorder_;
  std::shared_ptr<prometheus::Registry> registry_;
  http::MetricsHandler metrics_handler_;
  ServiceMetrics metrics_;
  policy::Rng rng_;                      // the root stream; each request forks its own
  std::atomic<uint64_t> next_request_{0};
  // The gate before the pool: burns the pool drops on shutdown destroy
  // requests that give their slots back to the gate.
  WorkerGate gate_;
  std::unique_ptr<CpuPool> cpu_;         // null when no endpoint burns CPU
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  http::Server server_;
};

}  // namespace faultline::workloads::service
