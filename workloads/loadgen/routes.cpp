// SPDX-License-Identifier: Apache-2.0
#include "workloads/loadgen/routes.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "workloads/http/response.hpp"
#include "workloads/policy/clock.hpp"
#include "workloads/trace/wire.hpp"

namespace faultline::workloads::loadgen {

namespace bhttp = boost::beast::http;

std::optional<std::string_view> query_param(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<double> parse_rate(std::string_view text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

http::Handler make_routes(LoadGenerator& gen, const http::MetricsHandler& metrics) {
  return [&gen, &metrics](const http::Request& req) -> asio::awaitable<http::Response> {
    const std::string_view target(req.target().data(), req.target().size());
    const std::string_view path = http::target_path(req);
    if (path == "/metrics" && req.method() == bhttp::verb::get) co_return metrics.respond();
    if (path == trace::kRecordsPath && req.method() == bhttp::verb::get)
      co_return http::binary_response(gen.recorder().drain(policy::SteadyClock::read()));
    if (path == "/control/rate") {
      if (req.method() == bhttp::verb::get)
        co_return http::text_response(bhttp::status::ok, std::to_string(gen.rate_now()) + "\n");
      if (req.method() == bhttp::verb::post) {
        const auto value = query_param(target, "value");
        const auto rate = value ? parse_rate(*value) : std::nullopt;
        if (!rate) co_return http::text_response(bhttp::status::bad_request, "want value=RATE (req/s, >= 0)\n");
        gen.set_rate(*rate);
        co_return http::text_response(bhttp::status::ok, std::to_string(gen.rate_now()) + "\n");
      }
      co_return http::text_response(bhttp::status::method_not_allowed, "GET or POST\n");
    }
    co_return http::text_response(bhttp::status::not_found, "not found\n");
  };
}

}  // namespace faultline::workloads::loadgen
