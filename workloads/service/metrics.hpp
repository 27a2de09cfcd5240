// SPDX-License-Identifier: Apache-2.0
// The service's Prometheus series (docs/metrics.md, "Service"): per service
// and endpoint, labels service="<name>", endpoint="<path>". Every series
// a request can touch is created up front, so a scrape shows zeros rather
// than missing series, and the request path only increments (no label
// lookups, no allocation).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <cstdint>
#include <string>

#include "workloads/policy/admission.hpp"

namespace faultline::workloads::service {

// Why a request failed (faultline_errors_total{cause}); sheds are counted
// apart (faultline_shed_total{reason}).
enum class ErrorCause : uint8_t {
  kInjected,    // error_ppm drew an error: 500
  kMemory,      // request_memory_bytes could not be allocated: 500
  kDownstream,  // a downstream call failed without fallback: 502
  kDeadline,    // a downstream call timed out, or the caller's deadline ran out: 504
};
inline constexpr size_t kErrorCauses = 4;
const char* to_string(ErrorCause c);

// Latency buckets in seconds, 100 us .. 30 s (the downstream metrics use the
// same, so server-side and client-observed latencies compare bucket by bucket).
const prometheus::Histogram::BucketBoundaries& service_latency_buckets();

class EndpointMetrics {
 public:
  EndpointMetrics(prometheus::Registry& registry, const std::string& service, const std::string& endpoint);

  void count_response(unsigned status);
  void count_shed(policy::Shed why) { shed_[static_cast<size_t>(why)]->Increment(); }
  void count_error(ErrorCause c) { errors_[static_cast<size_t>(c)]->Increment(); }

  prometheus::Histogram& duration;     // arrival to response, queueing included
  prometheus::Histogram& queue_delay;  // arrival to a worker slot, admitted requests only
  prometheus::Gauge& inflight;         // requests holding a worker slot

 private:
  static constexpr std::array<unsigned, 5> kCodes{200, 500, 502, 503, 504};
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Labels labels_;
  std::array<prometheus::Counter*, kCodes.size()> by_code_{};
  std::array<prometheus::Counter*, policy::kShedReasons> shed_{};
  std::array<prometheus::Counter*, kErrorCauses> errors_{};
};

struct ServiceMetrics {
  ServiceMetrics(prometheus::Registry& registry, const std::string& service, uint32_t workers, uint32_t queue);

  prometheus::Gauge& queue_depth;     // requests waiting for a worker slot
  prometheus::Counter& unmatched;     // requests to no endpoint's path: 404
};

}  // namespace faultline::workloads::service
