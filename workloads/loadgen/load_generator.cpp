// SPDX-License-Identifier: Apache-2.0
#include "workloads/loadgen/load_generator.hpp"

#include <cstdio>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <functional>
#include <utility>

namespace faultline::workloads::loadgen {

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// A request coroutine reports failures as values; an exception is a bug or
// resource exhaustion and must stop the process, not vanish.
void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

client::DownstreamOptions options_of(const spec::Load& load, std::function<void()> on_attempt,
                                     trace::Recorder* recorder) {
  client::DownstreamOptions o;
  o.on_attempt = std::move(on_attempt);
  o.recorder = recorder;
  o.max_connections = load.connections;
  o.own_strand = false;  // the generator runs on one thread
  return o;
}

}  // namespace

spec::Call call_of(const spec::Load& load) {
  spec::Call c;
  c.loc = load.loc;
  c.to_node = load.target_node;
  c.to_port = load.target_port;
  c.path = load.mix.empty() ? "/" : load.mix.front().path;
  c.timeout_ns = load.timeout_ns;
  c.retries = load.retries;
  c.backoff = load.backoff;
  c.budget_ppm = load.budget_ppm;
  c.budget_min_per_s = load.budget_min_per_s;
  c.throttle = load.throttle;
  // A client has no hedging, breaker or fallback of its own: the defaults.
  return c;
}

LoadGenerator::LoadGenerator(asio::any_io_executor ex, const LoadConfig& config, prometheus::Registry& registry)
    : ex_(ex),
      config_(config),
      recorder_(trace::RecorderOptions{config.records.enabled, config.records.capacity,
                                       config.seed ^ 0x7265636f72647321ULL}),
      downstream_(ex, call_of(config.load), policy::SteadyClock::instance(), registry,
                  options_of(config.load, [this] { metrics_.attempts.Increment(); }, &recorder_)),
      metrics_(registry, downstream_.name()),
      schedule_(config.load.rate, config.load.schedule),
      // Separate streams: retries and the mix never shift arrival times.
      arrivals_(config.load.arrival, policy::Rng(config.seed).fork(1)),
      mix_(config.load.mix),
      mix_rng_(policy::Rng(config.seed).fork(2)),
      retry_rng_(policy::Rng(config.seed).fork(3)),
      trace_rng_(policy::Rng(config.seed).fork(4)),
      timer_(ex),
      drain_timer_(ex) {
  metrics_.rate.Set(schedule_.rate_at(0));
}

int64_t LoadGenerator::since_start(SteadyTime t) const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t - start_).count();
}

void LoadGenerator::start(std::function<void()> on_done) {
  on_done_ = std::move(on_done);
  start_ = std::chrono::steady_clock::now();
  started_ = true;
  asio::co_spawn(ex_, arrivals(), rethrow);
}

// At 100, 1000, 10000... arrivals, the digest of their intended times goes to
// the node's log: runs with the same seed print the same lines (until a live
// rate change, whose timing is the wall clock's).
void LoadGenerator::log_digest() const {
  const uint64_t n = arrivals_.count();
  for (uint64_t k = 100; k <= n; k *= 10)
    if (k == n) {
      std::fprintf(stderr, "faultline-loadgen: arrivals 1..%llu digest %016llx\n", static_cast<unsigned long long>(n),
                   static_cast<unsigned long long>(arrivals_.digest()));
      return;
    }
}

void LoadGenerator::stop() {
  if (stopping_) return;
  stopping_ = true;
  timer_.cancel();
  downstream_.shutdown();
  finish_if_done();
}

void LoadGenerator::set_rate(double rate) {
  const int64_t now = started_ ? since_start(std::chrono::steady_clock::now()) : 0;
  schedule_.set_rate(now, rate);
  metrics_.rate.Set(schedule_.rate_at(now));
  timer_.cancel();  // the pending arrival may move
}

double LoadGenerator::rate_now() const {
  return schedule_.rate_at(started_ ? since_start(std::chrono::steady_clock::now()) : 0);
}

asio::awaitable<void> LoadGenerator::arrivals() {
  const int64_t end = config_.duration_ns > 0 ? config_.duration_ns : RateSchedule::kForever;
  while (!stopping_) {
    int64_t t = arrivals_.next(schedule_);
    const int64_t wake = std::min(t, end);
    if (wake == RateSchedule::kForever)
      timer_.expires_at(SteadyTime::max());
    else
      timer_.expires_at(start_ + std::chrono::nanoseconds(wake));
    auto [ec] = co_await timer_.async_wait(kNoThrow);
    if (stopping_) break;
    if (ec) continue;  // set_rate(): the next arrival may have moved
    const int64_t now = since_start(std::chrono::steady_clock::now());
    metrics_.rate.Set(schedule_.rate_at(now));
    // Everything due, each with its own intended time (late wake-ups start
    // a batch; the lag shows in latency and in send_lag).
    while (t <= now && t < end) {
      asio::co_spawn(ex_, request(t), rethrow);
      arrivals_.advance(schedule_);
      t = arrivals_.next(schedule_);
      log_digest();
    }
    if (now >= end) break;
  }
  arrivals_done_ = true;
  if (!stopping_) {
    asio::co_spawn(ex_, drain(), rethrow);
  } else {
    finish_if_done();
  }
}

asio::awaitable<void> LoadGenerator::drain() {
  if (inflight_ == 0) {
    finish_if_done();
    co_return;
  }
  // The longest a request can still take: every attempt to its timeout and
  // every backoff at its cap.
  const auto& l = config_.load;
  const int64_t grace = l.timeout_ns * (int64_t{l.retries} + 1) + l.backoff.cap_ns * int64_t{l.retries} +
                        1'000'000'000;
  drain_timer_.expires_after(std::chrono::nanoseconds(grace));
  co_await drain_timer_.async_wait(kNoThrow);
  if (done_) co_return;
  stop();
}

void LoadGenerator::finish_if_done() {
  if (done_ || !arrivals_done_ || inflight_ != 0) return;
  done_ = true;
  stopped_at_ = std::chrono::steady_clock::now();
  drain_timer_.cancel();
  if (on_done_) on_done_();
}

asio::awaitable<void> LoadGenerator::request(int64_t intended) {
  const int64_t started = since_start(std::chrono::steady_clock::now());
  const int64_t lag = started - intended;
  lag_.record(lag);
  metrics_.send_lag.Observe(static_cast<double>(std::max<int64_t>(0, lag)) * 1e-9);
  if (config_.duration_ns <= 0 || started <= config_.duration_ns) ++sent_in_window_;
  ++offered_;
  metrics_.offered.Increment();
  ++inflight_;
  metrics_.inflight.Increment();

  const size_t kind = mix_.pick(mix_rng_);
  // Head sampling: above records.trace_rps, each request is traced with
  // probability trace_rps / rate; the callees follow its sampled flag.
  const double cap = config_.records.trace_rps, rate = rate_now();
  const bool sampled = cap <= 0 || rate <= cap || trace_rng_.uniform01() * rate < cap;
  const trace::TraceContext trace = recorder_.new_trace(sampled);
  const client::Outcome o = co_await downstream_.call(std::nullopt, retry_rng_, mix_.path(kind), &trace);

  const int64_t latency = since_start(std::chrono::steady_clock::now()) - intended;
  attempts_ += o.attempts;
  if (!o.ok && stopping_) {
    // Cut short by stop(): neither a success nor the target's failure.
    ++abandoned_;
  } else if (o.ok) {
    ++ok_;
    latency_.record(latency);
    metrics_.latency_ok.Observe(static_cast<double>(latency) * 1e-9);
    if (config_.load.timeout_ns <= 0 || latency <= config_.load.timeout_ns) {
      ++goodput_;
      metrics_.goodput.Increment();
    }
  } else {
    ++failed_;
    ++failed_by_cause_[static_cast<int>(o.cause)];
    metrics_.errors[static_cast<int>(o.cause)]->Increment();
    metrics_.latency_error.Observe(static_cast<double>(latency) * 1e-9);
  }
  --inflight_;
  metrics_.inflight.Decrement();
  finish_if_done();
}

nlohmann::json LoadGenerator::summary() const {
  const auto end = done_ ? stopped_at_ : std::chrono::steady_clock::now();
  const double elapsed_s = started_ ? static_cast<double>(since_start(end)) * 1e-9 : 0.0;
  const double window_s = config_.duration_ns > 0 ? std::min(elapsed_s, static_cast<double>(config_.duration_ns) * 1e-9)
                                                  : elapsed_s;
  auto us = [](double ns) { return ns / 1e3; };
  nlohmann::json j;
  j["target"] = downstream_.name();
  j["window_s"] = window_s;
  j["offered"] = offered_;
  j["sent_in_window"] = sent_in_window_;
  j["achieved_rate"] = window_s > 0 ? static_cast<double>(sent_in_window_) / window_s : 0.0;
  j["ok"] = ok_;
  j["goodput"] = goodput_;
  j["failed"] = failed_;
  j["abandoned"] = abandoned_;
  auto& causes = j["failed_by_cause"] = nlohmann::json::object();
  for (int i = 0; i < client::kCauseCount; ++i)
    if (failed_by_cause_[i])
      causes[std::string(client::to_string(static_cast<client::Cause>(i)))] = failed_by_cause_[i];
  j["attempts"] = attempts_;
  j["lag_us"] = {{"mean", us(lag_.mean())},
                 {"p50", us(static_cast<double>(lag_.percentile(0.5)))},
                 {"p99", us(static_cast<double>(lag_.percentile(0.99)))},
                 {"max", us(static_cast<double>(lag_.max()))}};
  j["latency_us"] = {{"p50", us(static_cast<double>(latency_.percentile(0.5)))},
                     {"p99", us(static_cast<double>(latency_.percentile(0.99)))},
                     {"p999", us(static_cast<double>(latency_.percentile(0.999)))},
                     {"max", us(static_cast<double>(latency_.max()))}};
  return j;
}

}  // namespace faultline::workloads::loadgen
