// SPDX-License-Identifier: Apache-2.0
// Resilience policies of calls and loads: backoff, circuit breaker, retry throttling.
#include "orchestrator/model/dist_backoff.hpp"
#include "orchestrator/model/loader_internal.hpp"

namespace faultline::model::detail {
namespace {

const std::vector<std::string> kBackoffKeys = {"base", "cap", "multiplier", "kind", "jitter"};
const std::vector<std::string> kBreakerKeys = {"consecutive", "failure_rate", "window",
                                               "min_calls",   "open",         "half_open"};
const std::vector<std::string> kThrottleKeys = {"max_tokens", "token_ratio"};
constexpr int64_t kMaxCount = 1'000'000;
// gRFC A6 (retry throttling): maxTokens in (0, 1000], tokenRatio > 0; its
// example, {"maxTokens": 10, "tokenRatio": 0.1}, gives `throttle = {}`.
constexpr int64_t kMaxTokens = 1000;
constexpr uint32_t kDefaultMaxTokens = 10;

void read_backoff_kind(Table& t, Backoff& b) {
  if (auto k = t.choice("kind", {"none", "constant", "exp", "exponential"})) {
    if (*k == "none")
      b.kind = Backoff::Kind::kNone;
    else if (*k == "constant")
      b.kind = Backoff::Kind::kConstant;
    else
      b.kind = Backoff::Kind::kExponential;
  }
  if (auto j = t.choice("jitter", {"none", "full", "equal", "decorrelated"})) {
    if (*j == "none")
      b.jitter = Backoff::Jitter::kNone;
    else if (*j == "full")
      b.jitter = Backoff::Jitter::kFull;
    else if (*j == "equal")
      b.jitter = Backoff::Jitter::kEqual;
    else
      b.jitter = Backoff::Jitter::kDecorrelated;
  }
}

void read_backoff_numbers(Table& t, Backoff& b) {
  if (auto v = t.duration("base")) {
    if (*v == 0)
      t.fail("base", "must be more than 0; for no backoff write kind = \"none\"");
    else
      b.base_ns = *v;
  }
  // Without a cap, Envoy's rule: ten times the base.
  b.cap_ns = default_cap(b.base_ns);
  if (auto v = t.duration("cap")) b.cap_ns = *v;
  if (b.kind == Backoff::Kind::kExponential) {
    if (auto v = t.number("multiplier")) {
      if (*v < 1.0 || *v > 100.0)
        t.fail("multiplier", format_number(*v) + " is out of range; allowed: 1 to 100");
      else
        b.multiplier = *v;
    }
  }
}

void check_backoff_table(Table& t, Backoff& b) {
  const bool exp = b.kind == Backoff::Kind::kExponential;
  if (!exp && !t.bad("kind")) {
    for (const char* k : {"multiplier", "cap"})
      if (t.has(k)) t.fail(k, "only applies with kind = \"exp\"");
    b.multiplier = 1.0;
    b.cap_ns = b.base_ns;
  }
  if (b.jitter == Backoff::Jitter::kDecorrelated && !exp && !t.bad("kind") && !t.bad("jitter"))
    t.fail("jitter", "decorrelated jitter grows the delay, so it needs kind = \"exp\"");
  if (exp && t.ok("cap") && !t.bad("base") && b.cap_ns < b.base_ns) t.fail("cap", "is smaller than the base");
  if (b.kind == Backoff::Kind::kNone) b = Backoff{Backoff::Kind::kNone, Backoff::Jitter::kNone, 0, 0, 1.0};
}

void read_backoff_table(Diagnostics& d, const toml::table& raw, Backoff& out) {
  Table t(d, raw, "backoff", kBackoffKeys);
  Backoff b;
  read_backoff_kind(t, b);
  read_backoff_numbers(t, b);
  check_backoff_table(t, b);
  out = b;
}

void read_breaker_rate_mode(Table& t, CircuitBreaker& b) {
  if (auto v = t.percent("failure_rate")) {
    if (*v == 0)
      t.fail("failure_rate", "0% would open on every call; allowed: more than 0% up to 100%");
    else
      b.failure_rate_ppm = *v;
  }
  if (auto v = t.integer("window", 1, kMaxCount)) b.window_calls = static_cast<uint32_t>(*v);
  // resilience4j evaluates no window smaller than minimumNumberOfCalls; a
  // smaller window without min_calls means "decide per window".
  if (t.ok("window") && !t.has("min_calls")) b.min_calls = std::min(b.min_calls, b.window_calls);
  if (auto v = t.integer("min_calls", 1, kMaxCount)) {
    if (t.ok("window") && *v > b.window_calls)
      t.fail("min_calls", std::to_string(*v) + " is larger than the window (" + std::to_string(b.window_calls) +
                              "); allowed: 1..window");
    else
      b.min_calls = static_cast<uint32_t>(*v);
  }
}

}  // namespace

void read_backoff(Table& t, const std::string& key, Backoff& out) {
  const auto* n = t.get(key);
  if (!n) return;
  if (const auto* tbl = n->as_table()) return read_backoff_table(t.diag(), *tbl, out);
  auto s = t.string(key);
  if (!s) return;
  auto b = parse_backoff(*s);
  if (!b.ok()) return t.fail(key, b.error().context);
  out = b.value();
}

void read_breaker(Table& outer, const std::string& key, CircuitBreaker& out) {
  const toml::table* raw = outer.table(key);
  if (!raw) return;
  Table t(outer.diag(), *raw, "breaker", kBreakerKeys);
  CircuitBreaker b;
  b.enabled = true;
  if (auto v = t.integer("consecutive", 1, kMaxCount)) b.consecutive_failures = static_cast<uint32_t>(*v);
  if (t.has("consecutive")) {
    for (const char* k : {"failure_rate", "window", "min_calls"})
      if (t.has(k))
        t.fail(k, "belongs to the failure-rate mode, but consecutive selects the consecutive-failures mode; use one");
  }
  read_breaker_rate_mode(t, b);
  if (auto v = t.duration("open")) {
    if (*v == 0)
      t.fail("open", "must be more than 0");
    else
      b.open_ns = *v;
  }
  if (auto v = t.integer("half_open", 1, kMaxCount)) b.half_open_probes = static_cast<uint32_t>(*v);
  out = b;
}

void read_throttle(Table& outer, const std::string& key, RetryThrottle& out) {
  const toml::table* raw = outer.table(key);
  if (!raw) return;
  Table t(outer.diag(), *raw, "throttle", kThrottleKeys);
  RetryThrottle r;
  r.max_tokens = kDefaultMaxTokens;
  if (auto v = t.integer("max_tokens", 1, kMaxTokens)) r.max_tokens = static_cast<uint32_t>(*v);
  if (auto v = t.number("token_ratio")) {
    if (!(*v > 0) || *v > 1)
      t.fail("token_ratio", format_number(*v) + " is out of range; allowed: more than 0 up to 1 (tokens a success "
                                                "gives back; a failure takes 1)");
    else
      r.token_ratio = *v;
  }
  out = r;
}

}  // namespace faultline::model::detail
