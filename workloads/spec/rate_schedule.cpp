// SPDX-License-Identifier: Apache-2.0
#include "workloads/spec/rate_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

namespace faultline::spec {

namespace {

using Kind = RateStep::Kind;

double clamp_rate(double r) { return std::isfinite(r) && r > 0 ? r : 0.0; }

// The rate function's state just after every change at or before t.
struct State {
  // The base: constant r1 from t1 on, linear from (t0, r0) before t1.
  int64_t t0 = 0, t1 = 0;
  double r0 = 0, r1 = 0;
  // The spike overlay, active on [s0, s1).
  std::optional<std::pair<int64_t, int64_t>> spike;
  double spike_rate = 0;

  double base_at(int64_t t) const {
    if (t >= t1 || t1 == t0) return r1;
    return r0 + (r1 - r0) * static_cast<double>(t - t0) / static_cast<double>(t1 - t0);
  }
};

State state_at(double start_rate, const std::vector<RateStep>& steps, int64_t t) {
  State s;
  s.r0 = s.r1 = clamp_rate(start_rate);
  for (const auto& e : steps) {
    if (e.at_ns > t) break;
    const double r = clamp_rate(e.rate);
    switch (e.kind) {
      case Kind::kStep:
        s.t0 = s.t1 = e.at_ns;
        s.r0 = s.r1 = r;
        break;
      case Kind::kRamp: {
        const double from = s.base_at(e.at_ns);
        s.t0 = e.at_ns;
        s.t1 = e.at_ns + std::max<int64_t>(0, e.for_ns);
        s.r0 = s.t1 == s.t0 ? r : from;
        s.r1 = r;
        break;
      }
      case Kind::kSpike:
        if (e.for_ns > 0) {
          s.spike = std::make_pair(e.at_ns, e.at_ns + e.for_ns);
          s.spike_rate = r;
        }
        break;
    }
  }
  return s;
}

}  // namespace

RateSchedule::RateSchedule(double start_rate, std::vector<RateStep> steps)
    : start_rate_(start_rate), steps_(std::move(steps)) {
  std::stable_sort(steps_.begin(), steps_.end(),
                   [](const RateStep& a, const RateStep& b) { return a.at_ns < b.at_ns; });
  build();
}

void RateSchedule::set_rate(int64_t at, double rate) {
  RateStep s;
  s.kind = Kind::kStep;
  s.at_ns = std::max<int64_t>(0, at);
  s.rate = rate;
  auto pos = std::upper_bound(steps_.begin(), steps_.end(), s.at_ns,
                              [](int64_t t, const RateStep& e) { return t < e.at_ns; });
  steps_.insert(pos, s);
  ++version_;
  build();
}

void RateSchedule::build() {
  // Every time the function may bend: the start, each change, and the end
  // of each ramp and spike.
  std::vector<int64_t> bp{0};
  for (const auto& e : steps_) {
    bp.push_back(std::max<int64_t>(0, e.at_ns));
    if (e.kind != Kind::kStep && e.for_ns > 0) bp.push_back(e.at_ns + e.for_ns);
  }
  std::sort(bp.begin(), bp.end());
  bp.erase(std::unique(bp.begin(), bp.end()), bp.end());

  pieces_.clear();
  for (size_t i = 0; i < bp.size(); ++i) {
    const int64_t t = bp[i];
    const State s = state_at(start_rate_, steps_, t);
    Piece p;
    p.from = t;
    p.until = i + 1 < bp.size() ? bp[i + 1] : kForever;
    if (s.spike && s.spike->first <= t && t < s.spike->second) {
      p.rate = s.spike_rate;
    } else {
      p.rate = s.base_at(t);
      if (t < s.t1 && s.t1 > s.t0) p.slope = (s.r1 - s.r0) / static_cast<double>(s.t1 - s.t0);
    }
    // Merge with the previous piece when it simply continues it.
    if (!pieces_.empty()) {
      Piece& q = pieces_.back();
      const double cont = q.rate + q.slope * static_cast<double>(t - q.from);
      if (q.slope == p.slope && std::abs(cont - p.rate) <= 1e-9 * std::max(1.0, p.rate)) {
        q.until = p.until;
        continue;
      }
    }
    pieces_.push_back(p);
  }
}

RateSchedule::Piece RateSchedule::piece_at(int64_t t) const {
  if (t < 0) t = 0;
  auto it = std::upper_bound(pieces_.begin(), pieces_.end(), t,
                             [](int64_t v, const Piece& p) { return v < p.from; });
  return *(it - 1);  // pieces_[0].from == 0 <= t
}

double RateSchedule::rate_at(int64_t t) const {
  if (t < 0) return 0;
  const Piece p = piece_at(t);
  return std::max(0.0, p.rate + p.slope * static_cast<double>(t - p.from));
}

}  // namespace faultline::spec
