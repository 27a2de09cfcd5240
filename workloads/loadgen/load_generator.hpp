// SPDX-License-Identifier: Apache-2.0
// The open-loop load generator: requests start at their intended times
// (ArrivalGenerator over the RateSchedule), each in its own coroutine, so an
// arrival never waits for an earlier response. Each request goes through a
// client::Downstream (the load's timeout, retries, backoff, budget and
// throttle; the load's `connections` bound its pool: when all are busy a
// request waits for one, and the wait is part of its latency). Latency is
// measured from the intended send time, so a slow target or a late
// generator shows in it (no coordinated omission).
//
// Timing: one steady timer with absolute expiry times start + t; when the
// timer fires late, every arrival already due is started at once with its
// own intended time.
//
// Single-threaded: construct, start() and call set_rate()/stop() on the
// executor's one thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "workloads/client/downstream.hpp"
#include "workloads/loadgen/arrivals.hpp"
#include "workloads/loadgen/load_metrics.hpp"
#include "workloads/loadgen/log_histogram.hpp"
#include "workloads/loadgen/mix.hpp"
#include "workloads/spec/config.hpp"
#include "workloads/trace/recorder.hpp"

namespace faultline::workloads::loadgen {

namespace asio = boost::asio;

// The spec::Call a load makes: its target, timeout and retry policy.
spec::Call call_of(const spec::Load& load);

class LoadGenerator {
 public:
  LoadGenerator(asio::any_io_executor ex, const LoadConfig& config, prometheus::Registry& registry);

  // Starts the clock and the arrivals. on_done runs once, when the
  // generator has stopped and every request has finished.
  void start(std::function<void()> on_done);
  // Stops now: no more arrivals, requests in flight are cancelled.
  void stop();
  // Live control: the base rate becomes `rate` from now on.
  void set_rate(double rate);
  double rate_now() const;
  // Its request records (GET /records): each organic request is a trace,
  // its call the root span.
  trace::Recorder& recorder() { return recorder_; }

  // A one-line summary of the run (counts, achieved rate, lag and latency
  // percentiles).
  nlohmann::json summary() const;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  void log_digest() const;
  asio::awaitable<void> arrivals();
  asio::awaitable<void> request(int64_t intended_ns);
  // When arrivals ended naturally: let requests in flight finish, but not
  // beyond the longest a request can take, then cancel them.
  asio::awaitable<void> drain();
  void finish_if_done();
  int64_t since_start(SteadyTime t) const;

  asio::any_io_executor ex_;
  LoadConfig config_;
  trace::Recorder recorder_;  // before downstream_, which records into it
  client::Downstream downstream_;
  LoadMetrics metrics_;
  RateSchedule schedule_;
  ArrivalGenerator arrivals_;
  RequestMix mix_;
  policy::Rng mix_rng_;
  policy::Rng retry_rng_;
  policy::Rng trace_rng_;  // which requests are traced, when above records.trace_rps
  asio::steady_timer timer_;
  asio::steady_timer drain_timer_;
  SteadyTime start_{};
  SteadyTime stopped_at_{};
  bool started_ = false;
  bool stopping_ = false;
  bool arrivals_done_ = false;
  bool done_ = false;
  std::function<void()> on_done_;
  uint64_t inflight_ = 0;
  // For the summary.
  uint64_t offered_ = 0, sent_in_window_ = 0, ok_ = 0, goodput_ = 0, failed_ = 0, attempts_ = 0;
  uint64_t abandoned_ = 0;  // in flight when stop() cut them short
  std::array<uint64_t, client::kCauseCount> failed_by_cause_{};
  LogHistogram lag_, latency_;
};

}  // namespace faultline::workloads::loadgen
