// SPDX-License-Identifier: Apache-2.0
#include "workloads/service/metrics.hpp"

namespace faultline::workloads::service {

namespace {

prometheus::Family<prometheus::Counter>& requests_family(prometheus::Registry& r) {
  return prometheus::BuildCounter()
      .Name("faultline_requests_total")
      .Help("Requests answered by the service, by endpoint and HTTP status code")
      .Register(r);
}

prometheus::Labels with(prometheus::Labels l, const char* key, std::string value) {
  l[key] = std::move(value);
  return l;
}

}  // namespace

const char* to_string(ErrorCause c) {
  switch (c) {
    case ErrorCause::kInjected: return "injected";
    case ErrorCause::kMemory: return "memory";
    case ErrorCause::kDownstream: return "downstream";
    case ErrorCause::kDeadline: return "deadline";
  }
  return "unknown";
}

const prometheus::Histogram::BucketBoundaries& service_latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                         0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                         1,      2.5,     5,      10,    30};
  return b;
}

EndpointMetrics::EndpointMetrics(prometheus::Registry& r, const std::string& service, const std::string& endpoint)
    : duration(prometheus::BuildHistogram()
                   .Name("faultline_request_duration_seconds")
                   .Help("Server-side request latency, from arrival to response (queueing included)")
                   .Register(r)
                   .Add({{"service", service}, {"endpoint", endpoint}}, service_latency_buckets())),
      queue_delay(prometheus::BuildHistogram()
                      .Name("faultline_queue_delay_seconds")
                      .Help("Time from arrival until a worker slot, for requests admitted to service")
                      .Register(r)
                      .Add({{"service", service}, {"endpoint", endpoint}}, service_latency_buckets())),
      inflight(prometheus::BuildGauge()
                   .Name("faultline_inflight_requests")
                   .Help("Requests holding a worker slot (in service: CPU, waiting or downstream calls)")
                   .Register(r)
                   .Add({{"service", service}, {"endpoint", endpoint}})),
      requests_(requests_family(r)),
      labels_{{"service", service}, {"endpoint", endpoint}} {
  for (size_t i = 0; i < kCodes.size(); ++i) by_code_[i] = &requests_.Add(with(labels_, "code", std::to_string(kCodes[i])));
  auto& shed = prometheus::BuildCounter()
                   .Name("faultline_shed_total")
                   .Help("Requests shed by admission: queue_full, queue_delay (waited past the bound) or "
                         "abandoned (caller's deadline passed while queued)")
                   .Register(r);
  for (size_t i = 0; i < policy::kShedReasons; ++i)
    shed_[i] = &shed.Add(with(labels_, "reason", policy::to_string(static_cast<policy::Shed>(i))));
  auto& errors = prometheus::BuildCounter()
                     .Name("faultline_errors_total")
                     .Help("Requests that failed in service, by cause (sheds are counted in faultline_shed_total)")
                     .Register(r);
  for (size_t i = 0; i < kErrorCauses; ++i)
    errors_[i] = &errors.Add(with(labels_, "cause", to_string(static_cast<ErrorCause>(i))));
}

void EndpointMetrics::count_response(unsigned status) {
  for (size_t i = 0; i < kCodes.size(); ++i) {
    if (kCodes[i] == status) {
      by_code_[i]->Increment();
      return;
    }
  }
  // Not a status this service answers with today; Add() finds or creates it.
  requests_.Add(with(labels_, "code", std::to_string(status))).Increment();
}

ServiceMetrics::ServiceMetrics(prometheus::Registry& r, const std::string& service, uint32_t workers, uint32_t queue)
    : queue_depth(prometheus::BuildGauge()
                      .Name("faultline_queue_depth")
                      .Help("Requests waiting in the admission queue for a worker slot")
                      .Register(r)
                      .Add({{"service", service}})),
      unmatched(requests_family(r).Add({{"service", service}, {"endpoint", "unmatched"}, {"code", "404"}})) {
  prometheus::BuildGauge()
      .Name("faultline_workers")
      .Help("Worker slots of the service (requests served at once)")
      .Register(r)
      .Add({{"service", service}})
      .Set(workers);
  prometheus::BuildGauge()
      .Name("faultline_queue_capacity")
      .Help("Capacity of the admission queue (requests that may wait for a worker)")
      .Register(r)
      .Add({{"service", service}})
      .Set(queue);
}

}  // namespace faultline::workloads::service
