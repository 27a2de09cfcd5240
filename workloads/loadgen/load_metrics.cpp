// SPDX-License-Identifier: Apache-2.0
#include "workloads/loadgen/load_metrics.hpp"

#include "workloads/client/downstream_metrics.hpp"

namespace faultline::workloads::loadgen {

namespace {

prometheus::Labels labels(const std::string& target) { return {{"downstream", target}}; }

prometheus::Labels with(const std::string& target, const std::string& k, std::string_view v) {
  return {{"downstream", target}, {k, std::string(v)}};
}

// Scheduling lag: 1 us .. 1 s; a healthy generator stays in the first few.
const prometheus::Histogram::BucketBoundaries& lag_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{0.000001, 0.0000025, 0.000005, 0.00001, 0.000025,
                                                         0.00005,  0.0001,    0.00025,  0.0005,  0.001,
                                                         0.0025,   0.005,     0.01,     0.1,     1};
  return b;
}

}  // namespace

LoadMetrics::LoadMetrics(prometheus::Registry& r, const std::string& target)
    : offered(prometheus::BuildCounter()
                  .Name("faultline_load_offered_total")
                  .Help("Requests whose intended send time has come (the offered load)")
                  .Register(r)
                  .Add(labels(target))),
      attempts(prometheus::BuildCounter()
                   .Name("faultline_load_attempts_total")
                   .Help("Requests sent by the load generator, retries and hedges included")
                   .Register(r)
                   .Add(labels(target))),
      goodput(prometheus::BuildCounter()
                  .Name("faultline_load_goodput_total")
                  .Help("Requests that succeeded within the load's timeout, counted from the intended send time")
                  .Register(r)
                  .Add(labels(target))),
      latency_ok(prometheus::BuildHistogram()
                     .Name("faultline_load_latency_seconds")
                     .Help("Request latency from the intended send time (no coordinated omission), by outcome")
                     .Register(r)
                     .Add(with(target, "outcome", "ok"), client::latency_buckets())),
      latency_error(prometheus::BuildHistogram()
                        .Name("faultline_load_latency_seconds")
                        .Help("Request latency from the intended send time (no coordinated omission), by outcome")
                        .Register(r)
                        .Add(with(target, "outcome", "error"), client::latency_buckets())),
      send_lag(prometheus::BuildHistogram()
                   .Name("faultline_load_send_lag_seconds")
                   .Help("How late the generator started requests after their intended send time")
                   .Register(r)
                   .Add(labels(target), lag_buckets())),
      inflight(prometheus::BuildGauge()
                   .Name("faultline_load_inflight_requests")
                   .Help("Requests started and not finished")
                   .Register(r)
                   .Add(labels(target))),
      rate(prometheus::BuildGauge()
               .Name("faultline_load_rate")
               .Help("Target arrival rate in force, requests per second")
               .Register(r)
               .Add(labels(target))) {
  auto& err = prometheus::BuildCounter()
                  .Name("faultline_load_errors_total")
                  .Help("Requests that failed, by final cause")
                  .Register(r);
  for (int i = 0; i < client::kCauseCount; ++i) {
    const auto c = static_cast<client::Cause>(i);
    if (c != client::Cause::kOk) errors[i] = &err.Add(with(target, "cause", client::to_string(c)));
  }
}

}  // namespace faultline::workloads::loadgen
