// SPDX-License-Identifier: Apache-2.0
// The orchestrator's side of the engine's control socket.
//
//   engine_request(sock, {{"op","ping"}})
//   engine_request(sock, {{"op","set"},{"link","api-db"},{"dir","both"},{"impairment", imp}})
//   engine_request(sock, {{"op","set"},{"segment","lan"},{"impairment", imp}})
//   engine_request(sock, {{"op","get"}})    current impairments
//   engine_request(sock, {{"op","stats"}})  counters per link direction and segment
//   engine_request(sock, {{"op","stop"}})
//
// Every response is an object with "ok"; a response with "ok": false comes
// back as an Error carrying the engine's "error" text.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "base/result.hpp"

namespace faultline::netem {

// One request, one response, on a fresh connection; gives up after
// timeout_ms (connect, send and receive each).
Result<nlohmann::json> engine_request(const std::string& sock_path, const nlohmann::json& req,
                                      int timeout_ms = 5000);

// Polls with "ping" until the engine answers or timeout_ms has passed: the
// engine opens its control socket only once every port is open, so an
// answer means it is forwarding.
Status wait_engine_ready(const std::string& sock_path, int timeout_ms);

}  // namespace faultline::netem
