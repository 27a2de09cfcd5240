// SPDX-License-Identifier: Apache-2.0
// The configuration of one workload process: the spec's types
// (workloads/spec/types.hpp, which the topology model holds as they are),
// written by the orchestrator as JSON into the run folder and read by
// faultline-service / faultline-loadgen with --config. One set of types, no
// hand-synced copies.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "base/result.hpp"
#include "workloads/spec/types.hpp"

namespace faultline::workloads {

// Request records (workloads/trace): whether the process keeps them, how
// many completed spans wait for a pull at most, and (load generators) how
// many organic requests per second are traced: above that rate each request
// is traced with probability trace_rps / rate (head sampling; the callees
// follow the traceparent's sampled flag). 0: every request.
struct RecordsConfig {
  bool enabled = true;
  uint32_t capacity = uint32_t{1} << 18;
  double trace_rps = 0;
  bool operator==(const RecordsConfig&) const = default;
};

struct ServiceConfig {
  std::string node;             // the node it runs in (a label in metrics)
  uint64_t seed = 1;            // of the work and error draws, backoff jitter
  spec::Service service;
  RecordsConfig records;
  bool operator==(const ServiceConfig&) const = default;
};

struct LoadConfig {
  std::string node;
  uint64_t seed = 1;            // of arrivals, the mix and backoff jitter
  int64_t duration_ns = 0;      // 0: run until stopped
  spec::Load load;
  RecordsConfig records;
  bool operator==(const LoadConfig&) const = default;
};

nlohmann::json to_json(const ServiceConfig& c);
nlohmann::json to_json(const LoadConfig& c);
// Missing keys keep the model's defaults; wrong types are errors naming the key.
Result<ServiceConfig> service_config_from_json(const nlohmann::json& j);
Result<LoadConfig> load_config_from_json(const nlohmann::json& j);

Result<ServiceConfig> read_service_config(const std::string& path);
Result<LoadConfig> read_load_config(const std::string& path);
// Written to path.tmp then renamed: a reader never sees half a file.
Status write_config(const std::string& path, const nlohmann::json& j);

}  // namespace faultline::workloads
