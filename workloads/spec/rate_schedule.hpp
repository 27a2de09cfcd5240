// SPDX-License-Identifier: Apache-2.0
// The target arrival rate of a load over time: the starting rate changed by
// node.load.schedule (and by live control), as a piecewise-linear function
// of the time since the load generator started.
//
//   step   at `at` the rate becomes `rate` (ends a ramp in progress)
//   ramp   from `at` to `at + for` the rate moves linearly from the rate in
//          force at `at` to `rate`, which then stays
//   spike  from `at` to `at + for` the rate is `rate`; then it is back to
//          whatever the steps and ramps say (a spike overlays them; a later
//          spike overlays an earlier one)
// Live control (set_rate) is a step at the time it happens.
// Rates are requests per second, never below 0; times are ns from the start.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "workloads/spec/types.hpp"

namespace faultline::spec {

class RateSchedule {
 public:
  static constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

  // One linear piece: the rate at `from` and its slope, until the next
  // piece's `from`.
  struct Piece {
    int64_t from = 0;
    double rate = 0;          // req/s at `from`
    double slope = 0;         // req/s per ns
    int64_t until = kForever;  // start of the next piece
  };

  RateSchedule(double start_rate, std::vector<RateStep> steps);

  // The rate at time t (t < 0 reads as 0).
  double rate_at(int64_t t) const;
  // The piece that holds time t.
  Piece piece_at(int64_t t) const;
  // Live control: the base rate becomes `rate` from time `at` on (a step
  // after every scheduled change at the same time).
  void set_rate(int64_t at, double rate);
  // Increases with every set_rate(): arrivals computed before are stale.
  uint64_t version() const { return version_; }
  const std::vector<Piece>& pieces() const { return pieces_; }

 private:
  void build();

  double start_rate_;
  std::vector<RateStep> steps_;  // sorted by at_ns, stable
  std::vector<Piece> pieces_;           // sorted by from; the first from is 0
  uint64_t version_ = 0;
};

}  // namespace faultline::spec
