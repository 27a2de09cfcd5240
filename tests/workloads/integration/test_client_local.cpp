// SPDX-License-Identifier: Apache-2.0
// client::Downstream against a scripted HTTP server on 127.0.0.1: retries,
// timeouts, deadlines, the breaker, hedging, fallback, budget, throttle and
// the connection pool, each checked on the wire (what the server saw) and in
// the metrics. Loopback only; no root needed.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <prometheus/registry.h>

#include "tests/workloads/integration/scripted_server.hpp"
#include "workloads/client/downstream.hpp"
#include "workloads/policy/clock.hpp"

namespace faultline::testing {
namespace {

using workloads::client::Cause;
using workloads::client::Downstream;
using workloads::client::Outcome;
using workloads::policy::Rng;
using workloads::policy::SteadyClock;
using namespace std::chrono_literals;

constexpr int64_t kMs = 1'000'000;

double metric(prometheus::Registry& reg, const std::string& name, const prometheus::Labels& want = {}) {
  double total = 0;
  for (const auto& fam : reg.Collect()) {
    if (fam.name != name) continue;
    for (const auto& m : fam.metric) {
      bool match = true;
      for (const auto& [k, v] : want) {
        bool found = false;
        for (const auto& lp : m.label)
          if (lp.name == k && lp.value == v) found = true;
        match = match && found;
      }
      if (!match) continue;
      if (fam.type == prometheus::MetricType::Counter) total += m.counter.value;
      if (fam.type == prometheus::MetricType::Gauge) total += m.gauge.value;
      if (fam.type == prometheus::MetricType::Histogram) total += static_cast<double>(m.histogram.sample_count);
    }
  }
  return total;
}

class ClientLocal : public ::testing::Test {
 protected:
  spec::Call call_to(uint16_t port) {
    spec::Call c;
    c.to_node = "127.0.0.1";
    c.to_port = port;
    c.path = "/work";
    c.timeout_ns = 1000 * kMs;
    c.backoff.kind = spec::Backoff::Kind::kNone;
    c.budget_min_per_s = 0;
    return c;
  }

  Outcome call(Downstream& d, std::optional<int64_t> deadline = std::nullopt) {
    return run_until_done(io, d.call(deadline, rng));
  }

  static int64_t now() { return SteadyClock::read(); }

  boost::asio::io_context io;
  prometheus::Registry reg;
  Rng rng{7};
};

TEST_F(ClientLocal, RetriesOn5xxAreCountedExactly) {
  ScriptedServer srv(io, [](size_t) { return Reply{500}; });
  auto c = call_to(srv.port());
  c.retries = 3;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  const Outcome o = call(d);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.cause, Cause::kHttp5xx);
  EXPECT_EQ(o.status, 500u);
  EXPECT_EQ(o.attempts, 4u);
  EXPECT_EQ(srv.count(), 4u);
  EXPECT_EQ(srv.seen()[0].target, "/work");
  EXPECT_EQ(metric(reg, "faultline_downstream_calls_total"), 1);
  EXPECT_EQ(metric(reg, "faultline_downstream_attempts_total"), 4);
  EXPECT_EQ(metric(reg, "faultline_downstream_retries_total"), 3);
  EXPECT_EQ(metric(reg, "faultline_downstream_attempt_failures_total", {{"cause", "http_5xx"}}), 4);
  EXPECT_EQ(metric(reg, "faultline_downstream_errors_total", {{"cause", "http_5xx"}}), 1);
  EXPECT_EQ(metric(reg, "faultline_downstream_errors_total"), 1);
  const std::string name = "127.0.0.1:" + std::to_string(srv.port());
  EXPECT_EQ(metric(reg, "faultline_downstream_calls_total", {{"downstream", name}}), 1);
  EXPECT_EQ(metric(reg, "faultline_downstream_calls_total", {{"downstream", "elsewhere:1"}}), 0);
  // Keep-alive: the four attempts went over one connection.
  EXPECT_EQ(d.pool().stats().connects, 1u);
}

TEST_F(ClientLocal, RetrySucceedsAfterTwoFailuresAndShedIsRetried) {
  ScriptedServer srv(io, [](size_t i) { return Reply{i == 0 ? 503u : i == 1 ? 502u : 200u}; });
  auto c = call_to(srv.port());
  c.retries = 5;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  const Outcome o = call(d);
  EXPECT_TRUE(o.ok);
  EXPECT_FALSE(o.fallback_used);
  EXPECT_EQ(o.cause, Cause::kOk);
  EXPECT_EQ(o.status, 200u);
  EXPECT_EQ(o.attempts, 3u);
  EXPECT_EQ(srv.count(), 3u);
  EXPECT_EQ(metric(reg, "faultline_downstream_attempt_failures_total", {{"cause", "shed"}}), 1);
  EXPECT_EQ(metric(reg, "faultline_downstream_attempt_failures_total", {{"cause", "http_5xx"}}), 1);
  EXPECT_EQ(metric(reg, "faultline_downstream_errors_total"), 0);
}

TEST_F(ClientLocal, BackoffSeparatesRetries) {
  ScriptedServer srv(io, [](size_t) { return Reply{500}; });
  auto c = call_to(srv.port());
  c.retries = 2;
  c.backoff.kind = spec::Backoff::Kind::kConstant;
  c.backoff.jitter = spec::Backoff::Jitter::kNone;
  c.backoff.base_ns = 40 * kMs;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  const Outcome o = call(d);
  EXPECT_EQ(o.attempts, 3u);
  ASSERT_EQ(srv.count(), 3u);
  for (int i = 1; i < 3; ++i) {
    const int64_t gap = srv.seen()[i].at_ns - srv.seen()[i - 1].at_ns;
    EXPECT_GE(gap, 40 * kMs);
    EXPECT_LT(gap, 140 * kMs);
  }
}

TEST_F(ClientLocal, AttemptTimeoutFires) {
  ScriptedServer srv(io, [](size_t) { return Reply{200, 600 * kMs}; });
  auto c = call_to(srv.port());
  c.timeout_ns = 50 * kMs;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  const int64_t t0 = now();
  const Outcome o = call(d);
  const int64_t took = now() - t0;
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.cause, Cause::kTimeout);
  EXPECT_EQ(o.attempts, 1u);
  EXPECT_GE(took, 50 * kMs);
  EXPECT_LT(took, 300 * kMs);
  EXPECT_EQ(metric(reg, "faultline_downstream_timeouts_total"), 1);
  EXPECT_EQ(metric(reg, "faultline_downstream_errors_total", {{"cause", "timeout"}}), 1);
  // The timed-out connection is closed, not reused.
  EXPECT_EQ(d.pool().stats().open, 0u);
}

TEST_F(ClientLocal, TimeoutsAreRetried) {
  ScriptedServer srv(io, [](size_t i) { return Reply{200, i < 2 ? 400 * kMs : 0}; });
  auto c = call_to(srv.port());
  c.timeout_ns = 40 * kMs;
  c.retries = 2;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  const Outcome o = call(d);
  EXPECT_TRUE(o.ok);
  EXPECT_EQ(o.attempts, 3u);
  EXPECT_EQ(metric(reg, "faultline_downstream_timeouts_total"), 2);
}

TEST_F(ClientLocal, DeadlineHeaderCarriesTheTimeLeft) {
  ScriptedServer srv(io, [](size_t) { return Reply{200}; });
  auto c = call_to(srv.port());
  c.timeout_ns = 300 * kMs;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  // The caller's deadline is nearer than the timeout: it is what travels.
  EXPECT_TRUE(call(d, now() + 120 * kMs).ok);
  // No caller deadline: the call's own timeout travels.
  EXPECT_TRUE(call(d).ok);
  ASSERT_EQ(srv.count(), 2u);
  auto us = [&](size_t i) {
    const auto& h = srv.seen()[i].deadline_header;
    EXPECT_TRUE(h.has_value());
    int64_t v = -1;
    if (h) std::from_chars(h->data(), h->data() + h->size(), v);
    return v;
  };
  EXPECT_LE(us(0), 120'000);
  EXPECT_GT(us(0), 60'000);
  EXPECT_LE(us(1), 300'000);
  EXPECT_GT(us(1), 240'000);
}

TEST_F(ClientLocal, CallersDeadlineEndsTheCallAndIsNotRetried) {
  ScriptedServer srv(io, [](size_t) { return Reply{200, 500 * kMs}; });
  auto c = call_to(srv.port());
  c.retries = 3;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  const int64_t t0 = now();
  const Outcome o = call(d, t0 + 60 * kMs);
  const int64_t took = now() - t0;
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.cause, Cause::kDeadline);
  EXPECT_EQ(o.attempts, 1u);
  EXPECT_GE(took, 60 * kMs);
  EXPECT_LT(took, 300 * kMs);
  // A deadline already past: no attempt at all.
  const Outcome late = call(d, now() - 1);
  EXPECT_EQ(late.cause, Cause::kDeadline);
  EXPECT_EQ(late.attempts, 0u);
  EXPECT_EQ(srv.count(), 1u);
}

TEST_F(ClientLocal, BackoffBeyondTheCallersDeadlineIsNotSlept) {
  ScriptedServer srv(io, [](size_t) { return Reply{500}; });
  auto c = call_to(srv.port());
  c.retries = 3;
  c.backoff.kind = spec::Backoff::Kind::kConstant;
  c.backoff.jitter = spec::Backoff::Jitter::kNone;
  c.backoff.base_ns = 500 * kMs;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  const int64_t t0 = now();
  const Outcome o = call(d, t0 + 100 * kMs);
  EXPECT_EQ(o.cause, Cause::kDeadline);
  EXPECT_EQ(o.attempts, 1u);
  EXPECT_LT(now() - t0, 80 * kMs);  // gave up at once instead of sleeping
  EXPECT_EQ(metric(reg, "faultline_downstream_retries_denied_total", {{"reason", "deadline"}}), 1);
}

TEST_F(ClientLocal, BreakerOpensAfterFailuresAndRejectsFast) {
  ScriptedServer srv(io, [](size_t) { return Reply{500}; });
  auto c = call_to(srv.port());
  c.breaker.enabled = true;
  c.breaker.consecutive_failures = 3;
  c.breaker.open_ns = 10'000 * kMs;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call(d).cause, Cause::kHttp5xx);
  EXPECT_EQ(metric(reg, "faultline_breaker_state"), 1);
  const int64_t t0 = now();
  const Outcome o = call(d);
  EXPECT_LT(now() - t0, 100 * kMs);  // no request: the server count below proves it
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.cause, Cause::kBreakerOpen);
  EXPECT_EQ(o.attempts, 0u);
  EXPECT_EQ(srv.count(), 3u);
  EXPECT_EQ(metric(reg, "faultline_breaker_transitions_total", {{"to", "open"}}), 1);
  EXPECT_EQ(metric(reg, "faultline_downstream_errors_total", {{"cause", "breaker_open"}}), 1);
}

TEST_F(ClientLocal, BreakerProbesAndClosesAfterRecovery) {
  bool healthy = false;
  ScriptedServer srv(io, [&](size_t) { return Reply{healthy ? 200u : 500u}; });
  auto c = call_to(srv.port());
  c.breaker.enabled = true;
  c.breaker.consecutive_failures = 2;
  c.breaker.open_ns = 100 * kMs;
  c.breaker.half_open_probes = 1;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  call(d);
  call(d);
  EXPECT_EQ(call(d).cause, Cause::kBreakerOpen);
  healthy = true;
  run_until_done(io, [&]() -> wasio::awaitable<int> {
    wasio::steady_timer t(io, 120ms);
    co_await t.async_wait(wasio::use_awaitable);
    co_return 0;
  }());
  EXPECT_TRUE(call(d).ok);  // the half-open probe
  EXPECT_EQ(metric(reg, "faultline_breaker_state"), 0);
  EXPECT_EQ(metric(reg, "faultline_breaker_transitions_total", {{"to", "half-open"}}), 1);
  EXPECT_EQ(metric(reg, "faultline_breaker_transitions_total", {{"to", "closed"}}), 1);
}

TEST_F(ClientLocal, HedgeSendsASecondAttemptAfterHedgeDelay) {
  ScriptedServer srv(io, [](size_t i) { return Reply{200, i == 0 ? 400 * kMs : 0}; });
  auto c = call_to(srv.port());
  c.retries = 1;
  c.hedge_ns = 50 * kMs;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  const int64_t t0 = now();
  const Outcome o = call(d);
  const int64_t took = now() - t0;
  EXPECT_TRUE(o.ok);
  EXPECT_EQ(o.attempts, 2u);
  ASSERT_EQ(srv.count(), 2u);
  // The hedge leaves hedge_ns after the first attempt did (the server may
  // see the first one a little later: it had to connect).
  const int64_t hedge_sent = srv.seen()[1].at_ns - t0;
  EXPECT_GE(hedge_sent, 50 * kMs);
  EXPECT_LT(hedge_sent, 150 * kMs);
  EXPECT_LT(took, 300 * kMs);  // the hedge won; the slow first attempt was not awaited
  EXPECT_EQ(metric(reg, "faultline_downstream_hedges_total"), 1);
  EXPECT_EQ(metric(reg, "faultline_downstream_attempts_total"), 2);
  // The loser was cancelled: its connection is closed, the winner's kept.
  EXPECT_EQ(d.pool().stats().open, 1u);
}

TEST_F(ClientLocal, NoHedgeWhenTheFirstAnswersInTime) {
  ScriptedServer srv(io, [](size_t) { return Reply{200, 10 * kMs}; });
  auto c = call_to(srv.port());
  c.retries = 2;
  c.hedge_ns = 100 * kMs;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  EXPECT_EQ(call(d).attempts, 1u);
  EXPECT_EQ(srv.count(), 1u);
}

TEST_F(ClientLocal, HedgesAreBoundedByRetriesPlusOne) {
  ScriptedServer srv(io, [](size_t) { return Reply{200, 300 * kMs}; });
  auto c = call_to(srv.port());
  c.retries = 2;
  c.hedge_ns = 20 * kMs;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  const Outcome o = call(d);
  EXPECT_TRUE(o.ok);
  EXPECT_EQ(o.attempts, 3u);
  EXPECT_EQ(srv.count(), 3u);
  EXPECT_EQ(srv.max_concurrent(), 3u);
}

TEST_F(ClientLocal, FallbackAnswersAFailedCall) {
  ScriptedServer srv(io, [](size_t) { return Reply{500}; });
  auto c = call_to(srv.port());
  c.fallback = true;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  const Outcome o = call(d);
  EXPECT_TRUE(o.ok);
  EXPECT_TRUE(o.fallback_used);
  EXPECT_EQ(o.cause, Cause::kHttp5xx);
  EXPECT_EQ(metric(reg, "faultline_downstream_fallbacks_total"), 1);
  EXPECT_EQ(metric(reg, "faultline_downstream_errors_total", {{"cause", "http_5xx"}}), 1);
}

TEST_F(ClientLocal, RetryBudgetLimitsRetries) {
  ScriptedServer srv(io, [](size_t) { return Reply{500}; });
  auto c = call_to(srv.port());
  c.retries = 3;
  c.budget_ppm = 100'000;  // 10% of requests, no reserve
  c.budget_min_per_s = 0;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  uint32_t attempts = 0;
  for (int i = 0; i < 10; ++i) attempts += call(d).attempts;
  // Ten calls deposit one whole retry, on the tenth.
  EXPECT_EQ(attempts, 11u);
  EXPECT_EQ(srv.count(), 11u);
  EXPECT_EQ(metric(reg, "faultline_downstream_errors_total", {{"cause", "budget_exhausted"}}), 10);
  EXPECT_EQ(metric(reg, "faultline_downstream_retries_denied_total", {{"reason", "budget"}}), 10);
}

TEST_F(ClientLocal, RetryThrottleStopsRetriesWhenTokensRunLow) {
  ScriptedServer srv(io, [](size_t) { return Reply{500}; });
  auto c = call_to(srv.port());
  c.retries = 5;
  c.throttle.max_tokens = 4;
  c.throttle.token_ratio = 0.1;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  // 4 tokens: failure -> 3 (> 2, retry), failure -> 2 (not > 2, throttled).
  const Outcome first = call(d);
  EXPECT_EQ(first.attempts, 2u);
  EXPECT_EQ(first.cause, Cause::kThrottled);
  const Outcome second = call(d);
  EXPECT_EQ(second.attempts, 1u);
  EXPECT_EQ(second.cause, Cause::kThrottled);
  EXPECT_EQ(srv.count(), 3u);
}

TEST_F(ClientLocal, ProbabilitySkipsCalls) {
  ScriptedServer srv(io, [](size_t) { return Reply{200}; });
  auto c = call_to(srv.port());
  c.probability_ppm = 0;
  Downstream never(io.get_executor(), c, SteadyClock::instance(), reg);
  const Outcome o = call(never);
  EXPECT_TRUE(o.ok);
  EXPECT_TRUE(o.skipped);
  EXPECT_EQ(o.attempts, 0u);
  EXPECT_EQ(srv.count(), 0u);
  c.probability_ppm = 500'000;
  c.path = "/half";
  prometheus::Registry reg2;
  Downstream half(io.get_executor(), c, SteadyClock::instance(), reg2);
  int made = 0;
  for (int i = 0; i < 400; ++i) made += call(half).skipped ? 0 : 1;
  EXPECT_EQ(static_cast<size_t>(made), srv.count());
  EXPECT_NEAR(made, 200, 50);  // binomial sd 10
  EXPECT_EQ(metric(reg2, "faultline_downstream_skipped_total"), 400 - made);
}

TEST_F(ClientLocal, ConnectionRefusedIsAConnectFailure) {
  // A port nobody listens on: bound, never listened, so nothing else takes it.
  boost::asio::ip::tcp::acceptor a(io);
  a.open(boost::asio::ip::tcp::v4());
  a.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
  auto c = call_to(a.local_endpoint().port());
  c.retries = 1;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  const Outcome o = call(d);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.cause, Cause::kConnect);
  EXPECT_EQ(o.attempts, 2u);
  EXPECT_EQ(metric(reg, "faultline_downstream_attempt_failures_total", {{"cause", "connect"}}), 2);
}

TEST_F(ClientLocal, PoolBoundsConnectionsAndQueuesTheRest) {
  ScriptedServer srv(io, [](size_t) { return Reply{200, 50 * kMs}; });
  auto c = call_to(srv.port());
  workloads::client::DownstreamOptions opts;
  opts.max_connections = 2;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg, opts);
  const int64_t t0 = now();
  auto many = [&]() -> wasio::awaitable<int> {
    using namespace boost::asio::experimental::awaitable_operators;
    auto [a, b] = co_await (d.call(std::nullopt, rng) && d.call(std::nullopt, rng));
    auto [e, f] = co_await (d.call(std::nullopt, rng) && d.call(std::nullopt, rng));
    auto [g, h] = co_await (d.call(std::nullopt, rng) && d.call(std::nullopt, rng));
    co_return a.ok + b.ok + e.ok + f.ok + g.ok + h.ok;
  };
  EXPECT_EQ(run_until_done(io, many()), 6);
  EXPECT_EQ(srv.max_concurrent(), 2u);
  EXPECT_EQ(d.pool().stats().connects, 2u);  // reused, never more than two
  EXPECT_GE(now() - t0, 150 * kMs);
  // Four at once through two connections: the last two wait for one.
  auto four = [&]() -> wasio::awaitable<int> {
    using namespace boost::asio::experimental::awaitable_operators;
    auto [a, b, e, f] = co_await (d.call(std::nullopt, rng) && d.call(std::nullopt, rng) &&
                                  d.call(std::nullopt, rng) && d.call(std::nullopt, rng));
    co_return a.ok + b.ok + e.ok + f.ok;
  };
  const int64_t t1 = now();
  EXPECT_EQ(run_until_done(io, four()), 4);
  EXPECT_GE(now() - t1, 100 * kMs);
  EXPECT_EQ(srv.max_concurrent(), 2u);
  EXPECT_EQ(d.pool().stats().connects, 2u);
}

TEST_F(ClientLocal, CancellingTheCallerCancelsTheAttempt) {
  ScriptedServer srv(io, [](size_t) { return Reply{200, 2000 * kMs}; });
  auto c = call_to(srv.port());
  c.timeout_ns = 5000 * kMs;
  c.retries = 3;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  auto race = [&]() -> wasio::awaitable<int> {
    using namespace boost::asio::experimental::awaitable_operators;
    wasio::steady_timer t(io, 40ms);
    auto r = co_await (d.call(std::nullopt, rng) || t.async_wait(wasio::use_awaitable));
    co_return static_cast<int>(r.index());
  };
  const int64_t t0 = now();
  EXPECT_EQ(run_until_done(io, race()), 1);  // the timer won
  EXPECT_LT(now() - t0, 500 * kMs);         // and the call did not hold it up
  EXPECT_EQ(srv.count(), 1u);               // no retry after the cancel
  EXPECT_EQ(d.pool().stats().open, 0u);     // the attempt's connection is closed
  EXPECT_EQ(metric(reg, "faultline_downstream_errors_total", {{"cause", "deadline"}}), 1);
}

// A server that answers one request per connection with keep-alive and
// then closes the connection, as a server's idle timeout does.
wasio::awaitable<void> close_after_one_answer(wasio::ip::tcp::acceptor& acc, int connections) {
  namespace bhttp = boost::beast::http;
  for (int i = 0; i < connections; ++i) {
    auto sock = co_await acc.async_accept(wasio::use_awaitable);
    boost::beast::flat_buffer buf;
    bhttp::request<bhttp::string_body> req;
    co_await bhttp::async_read(sock, buf, req, wasio::use_awaitable);
    bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
    res.body() = "x";
    res.keep_alive(true);
    res.prepare_payload();
    co_await bhttp::async_write(sock, res, wasio::use_awaitable);
    sock.close();
  }
}

TEST_F(ClientLocal, StaleKeepAliveConnectionIsReplacedTransparently) {
  wasio::ip::tcp::acceptor acc(io, {wasio::ip::make_address("127.0.0.1"), 0});
  auto c = call_to(acc.local_endpoint().port());
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  wasio::co_spawn(io, close_after_one_answer(acc, 2), wasio::detached);
  EXPECT_TRUE(call(d).ok);
  EXPECT_EQ(d.pool().stats().idle, 1u);  // kept: the answer allowed keep-alive
  // Let the server's close reach us first.
  run_until_done(io, [&]() -> wasio::awaitable<int> {
    wasio::steady_timer t(io, 20ms);
    co_await t.async_wait(wasio::use_awaitable);
    co_return 0;
  }());
  const Outcome o = call(d);
  EXPECT_TRUE(o.ok);
  EXPECT_EQ(o.attempts, 1u);  // not a retry: the request never reached a server
  EXPECT_EQ(d.pool().stats().connects, 2u);
}

TEST_F(ClientLocal, ShutdownEndsCallsInFlight) {
  ScriptedServer srv(io, [](size_t) { return Reply{200, 3000 * kMs}; });
  auto c = call_to(srv.port());
  c.timeout_ns = 5000 * kMs;
  Downstream d(io.get_executor(), c, SteadyClock::instance(), reg);
  wasio::steady_timer t(io, 30ms);
  t.async_wait([&](auto) { d.shutdown(); });
  const int64_t t0 = now();
  const Outcome o = call(d);
  EXPECT_FALSE(o.ok);
  EXPECT_LT(now() - t0, 500 * kMs);
  EXPECT_EQ(call(d).attempts, 0u);  // after shutdown, calls fail fast
}

}  // namespace
}  // namespace faultline::testing
