// SPDX-License-Identifier: Apache-2.0
// The standard process metrics of Prometheus client libraries
// (https://prometheus.io/docs/instrumenting/writing_clientlibs/#process-metrics),
// which prometheus-cpp core does not provide: CPU seconds and resident
// memory, read when scraped. A CPU-limited node shows here how much CPU its
// process really got; a backlog of requests holding memory shows as RSS.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

namespace faultline::workloads::http {

class ProcessCollector final : public prometheus::Collectable {
 public:
  // process_cpu_seconds_total (user + system, all threads) and
  // process_resident_memory_bytes.
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace faultline::workloads::http
