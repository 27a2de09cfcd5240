// SPDX-License-Identifier: Apache-2.0
// The client side of calls and loads: the target, the path, the timeout and
// the retry policy, read the same way for both; and one call of an endpoint.
#include "orchestrator/model/loader_internal.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::model::detail {
namespace {

const std::vector<std::string> kCallKeys = {"to",     "path",       "timeout", "retries",  "backoff", "probability",
                                            "budget", "budget_min", "hedge",   "fallback", "breaker", "throttle"};

// After the timeout: a hedge at or after the deadline never fires.
void read_hedge(Table& t, Call& c) {
  auto v = t.duration("hedge");
  if (!v) return;
  if (*v >= c.timeout_ns && !t.bad("timeout"))
    return t.fail("hedge", units::format_duration(*v) + " is not shorter than the timeout (" +
                               units::format_duration(c.timeout_ns) + "); allowed: 0 (no hedging) up to the timeout");
  c.hedge_ns = *v;
}

}  // namespace

void read_path(Table& t, std::string& out) {
  auto v = t.string("path");
  if (!v) return;
  if (v->empty() || v->front() != '/') return t.fail("path", quote(*v) + " must start with '/', e.g. \"/api\"");
  out = *v;
}

std::optional<EndpointRef> read_endpoint(Table& t, const std::string& key, const std::string& from) {
  if (!t.require(key, "\"node:port\" of a service, e.g. \"db:5432\"")) return std::nullopt;
  auto v = t.string(key);
  if (!v) return std::nullopt;
  auto ep = parse_endpoint(*v);
  if (!ep.ok()) {
    t.fail(key, ep.error().context);
    return std::nullopt;
  }
  EndpointRef r;
  r.at = t.loc(key);
  r.key = key;
  r.from_node = from;
  r.to_node = ep.value().first;
  r.port = ep.value().second;
  return r;
}

void read_timeout(Table& t, int64_t& out) {
  auto v = t.duration("timeout");
  if (!v) return;
  if (*v == 0) return t.fail("timeout", "must be more than 0; a request without a deadline never fails over");
  out = *v;
}

void read_retry_budget(Table& t, uint32_t& ratio_ppm, uint32_t& min_per_s) {
  if (auto v = t.percent("budget")) ratio_ppm = *v;
  if (auto v = t.integer("budget_min", 0, kMaxQueue)) min_per_s = static_cast<uint32_t>(*v);
}

Call read_call(Diagnostics& d, const toml::table& raw, const std::string& node, uint16_t port,
               const std::optional<std::string>& from_path, LoadState& s) {
  Table t(d, raw, "call", kCallKeys);
  Call c;
  c.loc = t.loc();
  auto ref = read_endpoint(t, "to", node);
  read_path(t, c.path);
  read_client_policy(t, c);
  if (auto v = t.percent("probability")) c.probability_ppm = *v;
  read_hedge(t, c);
  if (auto v = t.boolean("fallback")) c.fallback = *v;
  read_breaker(t, "breaker", c.breaker);
  if (ref) {
    c.to_node = ref->to_node;
    c.to_port = ref->port;
    ref->from_port = port;
    ref->from_path = from_path;
    ref->always = c.probability_ppm == netem::kPpmMax && !t.bad("probability");
    if (!t.bad("path"))
      ref->paths.push_back(t.has("path") ? PathRef{c.path, t.loc("path"), "path"} : PathRef{c.path, ref->at, "to"});
    s.refs.push_back(*ref);
  }
  return c;
}

}  // namespace faultline::model::detail
