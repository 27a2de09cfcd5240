// SPDX-License-Identifier: Apache-2.0
#include "workloads/spec/config.hpp"

#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "base/atomic_file.hpp"
#include "base/file.hpp"

namespace faultline::spec {

// nlohmann ADL hooks for the spec's value types (the SourceLoc of each is
// not carried: a workload reports errors against its JSON, the loader has
// already checked the TOML).
NLOHMANN_JSON_SERIALIZE_ENUM(DurationDist::Kind, {{DurationDist::Kind::kConstant, "constant"},
                                                  {DurationDist::Kind::kExponential, "exponential"},
                                                  {DurationDist::Kind::kLognormal, "lognormal"},
                                                  {DurationDist::Kind::kPareto, "pareto"},
                                                  {DurationDist::Kind::kUniform, "uniform"},
                                                  {DurationDist::Kind::kNormal, "normal"}})
NLOHMANN_JSON_SERIALIZE_ENUM(Backoff::Kind, {{Backoff::Kind::kNone, "none"},
                                             {Backoff::Kind::kConstant, "constant"},
                                             {Backoff::Kind::kExponential, "exponential"}})
NLOHMANN_JSON_SERIALIZE_ENUM(Backoff::Jitter, {{Backoff::Jitter::kNone, "none"},
                                               {Backoff::Jitter::kFull, "full"},
                                               {Backoff::Jitter::kEqual, "equal"},
                                               {Backoff::Jitter::kDecorrelated, "decorrelated"}})
NLOHMANN_JSON_SERIALIZE_ENUM(Load::Arrival, {{Load::Arrival::kPoisson, "poisson"},
                                             {Load::Arrival::kConstant, "constant"}})
NLOHMANN_JSON_SERIALIZE_ENUM(RateStep::Kind, {{RateStep::Kind::kStep, "step"},
                                              {RateStep::Kind::kRamp, "ramp"},
                                              {RateStep::Kind::kSpike, "spike"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DurationDist, kind, mean_ns, param_ns, shape)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Backoff, kind, jitter, base_ns, cap_ns, multiplier)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CircuitBreaker, enabled, consecutive_failures, failure_rate_ppm,
                                                window_calls, min_calls, open_ns, half_open_probes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RetryThrottle, max_tokens, token_ratio)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Call, to_node, to_port, path, probability_ppm, timeout_ns, retries,
                                                backoff, budget_ppm, budget_min_per_s, hedge_ns, fallback, breaker,
                                                throttle)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Endpoint, path, work, wait, request_memory_bytes, response_bytes,
                                                error_ppm, parallel_calls, calls)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Service, name, port, workers, queue, lifo, max_queue_delay_ns,
                                                drop_abandoned, endpoints)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RateStep, kind, at_ns, for_ns, rate)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RequestKind, path, weight)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Load, target_node, target_port, mix, rate, arrival, schedule,
                                                timeout_ns, retries, backoff, budget_ppm, budget_min_per_s, throttle,
                                                connections, metrics_port)

}  // namespace faultline::spec

namespace faultline::workloads {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RecordsConfig, enabled, capacity, trace_rps)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ServiceConfig, node, seed, service, records)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LoadConfig, node, seed, duration_ns, load, records)

nlohmann::json to_json(const ServiceConfig& c) { return nlohmann::json(c); }
nlohmann::json to_json(const LoadConfig& c) { return nlohmann::json(c); }

namespace {

template <class T>
Result<T> parse(const nlohmann::json& j, const char* what) {
  try {
    return j.get<T>();
  } catch (const nlohmann::json::exception& e) {
    return logic_error(std::string("bad ") + what + " configuration: " + e.what());
  }
}

Result<nlohmann::json> read_json(const std::string& path) {
  auto text = read_file(path);
  if (!text.ok()) return sys_error(text.error().err, "open workload configuration " + path);
  try {
    return nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    return logic_error(path + ": " + e.what());
  }
}

}  // namespace

Result<ServiceConfig> service_config_from_json(const nlohmann::json& j) {
  auto c = parse<ServiceConfig>(j, "service");
  if (c.ok() && c->service.endpoints.empty()) return logic_error("bad service configuration: no endpoints");
  return c;
}

Result<LoadConfig> load_config_from_json(const nlohmann::json& j) {
  auto c = parse<LoadConfig>(j, "load generator");
  if (c.ok() && c->load.mix.empty()) c->load.mix.push_back({});
  return c;
}

Result<ServiceConfig> read_service_config(const std::string& path) {
  auto j = read_json(path);
  if (!j.ok()) return j.error();
  auto c = service_config_from_json(*j);
  if (!c.ok()) return wrap(c.error(), path);
  return c;
}

Result<LoadConfig> read_load_config(const std::string& path) {
  auto j = read_json(path);
  if (!j.ok()) return j.error();
  auto c = load_config_from_json(*j);
  if (!c.ok()) return wrap(c.error(), path);
  return c;
}

Status write_config(const std::string& path, const nlohmann::json& j) {
  return write_file_atomic(path, j.dump(2) + "\n");
}

}  // namespace faultline::workloads
