// SPDX-License-Identifier: Apache-2.0
// Health from requests: a service's state over time judged from the
// attempts its callers sent it (what it was asked, and how each went), in
// windows of 100 ms (configurable), not from its goodput against a baseline
// rate. Pure functions over plain data; unit-tested on generated streams
// (tests/unit/test_requests.cpp). docs/design.md gives the reasoning and the
// false-positive rate.
//
// A try is judged at one moment:
//   good  answered (2xx-4xx: the callee did its part) within the SLO: at its end;
//   bad   failed, or slower than the SLO, or still in flight past it: at the
//         earlier of its end and start + SLO. A try in flight past the SLO is
//         bad from that moment, not only when it ends, so a frozen or
//         unreachable service shows at once.
// A window with nothing judged in it is idle: a service asked nothing is not
// degraded for want of demand. Otherwise it is degraded when the bad share
// is too high to be the baseline's by chance: a one-sided binomial test
// against p_ok = clamp(bad_factor x the baseline's bad share, bad_floor,
// bad_cap) at level alpha. Where a window holds too few tries to ever reach
// alpha, it looks back over earlier windows (up to lookback_s) until it can.
// Degraded with fewer than failed_good of its tries answered well: failed.
// The onset of a degradation is placed by the change point (the split of
// the judged tries before it that makes the tries after it most unlike
// p_ok), so it is as fine as the tries' spacing, not the window.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/analysis/health.hpp"

namespace faultline::analysis {

// One attempt a callee was asked to answer, as its caller saw it. Times in
// seconds since the experiment started.
struct Try {
  double start_s = 0;
  double end_s = 0;   // open: when it was last seen in flight
  bool ok = false;    // answered, 2xx to 4xx
  bool open = false;  // still in flight when last seen
};

struct HealthRule {
  double window_s = 0.1;
  double lookback_s = 1.0;
  double alpha = 1e-4;
  double bad_floor = 0.05;
  double bad_factor = 3.0;
  double bad_cap = 0.5;
  double failed_good = 0.10;
};

// A try at the moment it was judged.
struct Judged {
  double t = 0;
  bool bad = false;
};

// Every try judged against slo_s, in time order. An open try not yet past
// its SLO when last seen is not judged (its outcome is unknown).
std::vector<Judged> judge_tries(const std::vector<Try>& tries, double slo_s);

// The p99 of the answered tries' latencies among those that started in
// [begin_s, end_s); NaN when none did.
double latency_p99(const std::vector<Try>& tries, double begin_s, double end_s);

struct SubjectHealth {
  std::vector<Health> windows;   // window i covers [i * window_s, (i + 1) * window_s)
  double p_ok = 0;               // the bad share a healthy window may show
  double baseline_bad = 0;       // the bad share over the baseline (NaN: nothing judged then)
  size_t baseline_judged = 0;
  std::optional<double> onset_s; // when it first degraded at or after the first fault
  // The first window judged degraded at or after the first fault, and the
  // resolution of the onset: the gap between the onset's try and the try
  // judged before it (at least the clock's), so the onset lies within it.
  std::optional<size_t> onset_window;
  double onset_resolution_s = 0;
};

struct HealthSpan {
  double baseline_begin_s = 0, baseline_end_s = 0;
  std::optional<double> first_fault_s;   // none: no onset is looked for
  double end_s = 0;                      // the windows cover [0, end_s)
};

SubjectHealth judge_health(const std::vector<Judged>& events, const HealthRule& rule, const HealthSpan& span);

// P(X >= k) for X ~ Binomial(n, p).
double binomial_sf(size_t k, size_t n, double p);

// The smallest number of tries, all bad, that reaches alpha against p_ok.
size_t decisive_tries(double p_ok, double alpha);

// Among events [from, to): the time of the bad event after which the bad
// share departs most from p_ok (the maximum-likelihood change point of a
// Bernoulli sequence); nullopt when no later stretch is worse than p_ok.
std::optional<size_t> change_point(const std::vector<Judged>& events, size_t from, size_t to, double p_ok);

}  // namespace faultline::analysis
