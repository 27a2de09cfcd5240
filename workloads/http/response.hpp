// SPDX-License-Identifier: Apache-2.0
// Building responses: the few shapes the workload processes answer with.
#pragma once

#include <string_view>

#include "workloads/http/server.hpp"

namespace faultline::workloads::http {

// A text/plain response with the given body (the server adds version,
// keep-alive and Content-Length).
Response text_response(bhttp::status status, std::string_view body);

// A 200 application/octet-stream response that takes the body over.
Response binary_response(std::string body);

// A response of exactly `bytes` body bytes (filler), for synthetic payloads.
Response sized_response(bhttp::status status, uint64_t bytes);

// The path of a request target without its query string: "/a?x=1" -> "/a".
std::string_view target_path(const Request& req);

}  // namespace faultline::workloads::http
