// SPDX-License-Identifier: Apache-2.0
#include "workloads/http/response.hpp"

namespace faultline::workloads::http {

Response text_response(bhttp::status status, std::string_view body) {
  Response res{status, 11};
  res.set(bhttp::field::content_type, "text/plain");
  res.body().assign(body.data(), body.size());
  return res;
}

Response binary_response(std::string body) {
  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, "application/octet-stream");
  res.body() = std::move(body);
  return res;
}

Response sized_response(bhttp::status status, uint64_t bytes) {
  Response res{status, 11};
  res.body().assign(bytes, 'x');
  return res;
}

std::string_view target_path(const Request& req) {
  const std::string_view t(req.target().data(), req.target().size());
  const auto q = t.find('?');
  return q == std::string_view::npos ? t : t.substr(0, q);
}

}  // namespace faultline::workloads::http
