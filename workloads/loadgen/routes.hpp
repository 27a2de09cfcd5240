// SPDX-License-Identifier: Apache-2.0
// The load generator's HTTP surface, on its metrics port:
//   GET  /metrics                  Prometheus exposition
//   GET  /control/rate             the target rate in force, req/s
//   POST /control/rate?value=R     the base rate becomes R now (load faults)
#pragma once

#include <optional>
#include <string_view>

#include "workloads/http/metrics_handler.hpp"
#include "workloads/http/server.hpp"
#include "workloads/loadgen/load_generator.hpp"

namespace faultline::workloads::loadgen {

// The value of `key` in a request target's query ("/a?x=1&y=2", "y" -> "2"),
// undecoded; nullopt when absent.
std::optional<std::string_view> query_param(std::string_view target, std::string_view key);

// A rate as written in a query: a finite, non-negative decimal number.
std::optional<double> parse_rate(std::string_view text);

// The handler; gen and metrics must outlive the server.
http::Handler make_routes(LoadGenerator& gen, const http::MetricsHandler& metrics);

}  // namespace faultline::workloads::loadgen
