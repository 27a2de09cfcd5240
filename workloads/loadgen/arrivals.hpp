// SPDX-License-Identifier: Apache-2.0
// Intended send times of an open-loop load, from a RateSchedule.
//
// Each gap is found by the time change of a point process: the next
// arrival is where the integral of the rate since the previous one reaches
// a mark, 1 for constant arrivals and an Exp(1) draw for Poisson ones
// (a non-homogeneous Poisson process when the rate varies). The rate is
// piecewise linear, so the integral is solved exactly piece by piece: a
// step or a spike takes effect at its time, not one old gap later.
//
// A live rate change at time now (RateSchedule::set_rate) only alters the
// rate from now on, so recomputing the pending arrival from the previous
// one with the same mark stays exact: next() does that whenever the
// schedule's version changed.
//
// Times are integer ns from the start, each computed from the previous
// intended time (never from when the timer fired), so there is no drift.
// Same seed and schedule: same times.
#pragma once

#include <cstdint>
#include <optional>

#include "workloads/spec/rate_schedule.hpp"
#include "workloads/spec/types.hpp"
#include "workloads/policy/random.hpp"

namespace faultline::workloads::loadgen {

// The schedule is the load's own (workloads/spec): the orchestrator reads it too.
using spec::RateSchedule;

// The time t >= from at which the integral of the schedule's rate over
// [from, t] reaches `mark` (in requests); kForever when it never does.
int64_t time_of_mass(const RateSchedule& schedule, int64_t from, double mark);

class ArrivalGenerator {
 public:
  ArrivalGenerator(spec::Load::Arrival kind, policy::Rng rng);

  // The next intended send time (kForever: none while the rate stays 0).
  int64_t next(const RateSchedule& schedule);
  // That arrival was sent: move on to the one after it.
  void advance(const RateSchedule& schedule);
  uint64_t count() const { return count_; }
  // FNV-1a over the intended send times (ns) of every arrival advanced past:
  // two runs with the same seed and schedule have the same digest, which is
  // how a run shows that its arrivals were reproduced.
  uint64_t digest() const { return digest_; }

 private:
  double draw_mark();

  spec::Load::Arrival kind_;
  policy::Rng rng_;
  int64_t last_ = 0;   // the previous arrival (the start at first)
  double mark_;        // the mass between last_ and the next arrival
  std::optional<int64_t> cached_;
  uint64_t cached_version_ = 0;
  uint64_t count_ = 0;
  uint64_t digest_;
};

}  // namespace faultline::workloads::loadgen
