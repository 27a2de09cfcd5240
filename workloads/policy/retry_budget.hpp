// SPDX-License-Identifier: Apache-2.0
// A retry budget: retries may be at most a ratio of recent requests, plus a
// small reserve so that a client with little traffic can still retry.
// Finagle's RetryBudget semantics (com.twitter.finagle.service.RetryBudget,
// https://twitter.github.io/finagle/guide/Clients.html#retries): every
// request deposits `ratio` of a retry, every retry withdraws one, both
// count only for a ttl of 10 s; the reserve min_per_s * ttl is always
// there. Envoy's retry budget (budget_percent 20%, min_retry_concurrency 3,
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/circuit_breaker.proto)
// bounds concurrent retries instead; the model takes its numbers (20%, 3) as
// defaults and Finagle's windowed arithmetic, which needs no in-flight count.
//
// The window is 10 slices of 1 s (as Finagle's WindowedAdder): an entry
// counts until its slice is 10 slices old, so it expires between 9 and 10 s
// after it was made.
//
// Not synchronised: one owner (e.g. one downstream on one strand) uses it.
#pragma once

#include <array>
#include <cstdint>

#include "workloads/policy/clock.hpp"

namespace faultline::workloads::policy {

struct RetryBudgetCounters {
  uint64_t deposits = 0;     // requests seen
  uint64_t withdrawals = 0;  // retries allowed
  uint64_t rejections = 0;   // retries refused
};

class RetryBudget {
 public:
  static constexpr int64_t kTtlNs = 10'000'000'000;  // Finagle: 10 s
  static constexpr int kSlices = 10;
  static constexpr int64_t kUnit = 1'000'000;        // one retry, in ppm

  // ratio_ppm 0: no budget, every retry is allowed (still counted).
  RetryBudget(uint32_t ratio_ppm, uint32_t min_per_s, const Clock& clock);

  // One request (first attempt) made: deposits ratio of a retry.
  void on_request();
  // Asks for one retry: true and withdraws when the balance holds a whole
  // retry; false (a rejection) otherwise.
  bool try_withdraw();

  // Retries available now, in ppm of a retry (reserve included; may be
  // below 0 when deposits expired before the withdrawals they paid for).
  int64_t balance_ppm() const;
  double balance() const { return static_cast<double>(balance_ppm()) / kUnit; }
  bool enabled() const { return ratio_ppm_ != 0; }
  const RetryBudgetCounters& counters() const { return counters_; }

 private:
  // Moves the window to now: slices older than the ttl are dropped.
  void roll(int64_t now_ns) const;

  uint32_t ratio_ppm_;
  int64_t reserve_ppm_;
  const Clock& clock_;
  // Windowed sum of deposits minus withdrawals, per slice; mutable because
  // reading the balance also rolls the window.
  mutable std::array<int64_t, kSlices> slices_{};
  mutable int64_t current_slice_ = 0;  // absolute slice number of the newest slot
  mutable int64_t sum_ = 0;            // sum of slices_
  RetryBudgetCounters counters_;
};

}  // namespace faultline::workloads::policy
