// SPDX-License-Identifier: Apache-2.0
#include "workloads/loadgen/arrivals.hpp"

#include <cmath>
#include <string_view>

#include "base/random_core.hpp"

namespace faultline::workloads::loadgen {

namespace {
constexpr double kNsPerS = 1e9;
}

int64_t time_of_mass(const RateSchedule& schedule, int64_t from, double mark) {
  int64_t t = std::max<int64_t>(0, from);
  // Work in requests * 1e9, so rates in req/s and times in ns multiply.
  double left = mark * kNsPerS;
  for (;;) {
    const auto p = schedule.piece_at(t);
    const double a = std::max(0.0, p.rate + p.slope * static_cast<double>(t - p.from));  // req/s at t
    const double b = p.slope;                                                         // req/s per ns
    if (p.until == RateSchedule::kForever) {
      // The last piece is flat (every ramp ends at a piece boundary).
      if (a <= 0) return RateSchedule::kForever;
      const double x = left / a;
      if (x >= static_cast<double>(RateSchedule::kForever - t)) return RateSchedule::kForever;
      return t + static_cast<int64_t>(std::llround(x));
    }
    const double len = static_cast<double>(p.until - t);
    const double mass = a * len + b * len * len / 2;
    if (mass >= left && mass > 0) {
      // a x + b x^2 / 2 = left: the root in [0, len], written so that it
      // stays accurate for b near 0 and for b < 0.
      const double disc = std::max(0.0, a * a + 2 * b * left);
      const double denom = a + std::sqrt(disc);
      double x = denom > 0 ? 2 * left / denom : len;
      x = std::min(x, len);
      return t + static_cast<int64_t>(std::llround(x));
    }
    left -= std::max(0.0, mass);
    t = p.until;
  }
}

ArrivalGenerator::ArrivalGenerator(spec::Load::Arrival kind, policy::Rng rng)
    : kind_(kind), rng_(std::move(rng)), digest_(kFnv1aBasis) {
  mark_ = draw_mark();
}

double ArrivalGenerator::draw_mark() {
  if (kind_ == spec::Load::Arrival::kConstant) return 1.0;
  // Exp(1); 1 - U is in (0, 1], so the log is finite.
  return -std::log(1.0 - rng_.uniform01());
}

int64_t ArrivalGenerator::next(const RateSchedule& schedule) {
  if (!cached_ || cached_version_ != schedule.version()) {
    cached_ = time_of_mass(schedule, last_, mark_);
    cached_version_ = schedule.version();
  }
  return *cached_;
}

void ArrivalGenerator::advance(const RateSchedule& schedule) {
  last_ = next(schedule);
  const char* bytes = reinterpret_cast<const char*>(&last_);
  digest_ = fnv1a(digest_, std::string_view(bytes, sizeof last_));
  mark_ = draw_mark();
  cached_.reset();
  ++count_;
}

}  // namespace faultline::workloads::loadgen
