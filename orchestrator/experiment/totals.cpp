// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/totals.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace faultline::experiment {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Sums the finite values; NaN when there is none. `worst` takes the largest.
struct Acc {
  double v = kNaN;
  void add(double x) {
    if (std::isfinite(x)) v = std::isfinite(v) ? v + x : x;
  }
  void worst(double x) {
    if (std::isfinite(x)) v = std::isfinite(v) ? std::max(v, x) : x;
  }
};

}  // namespace

std::vector<Figure> derive_totals(const SeriesStore& store, size_t tick, const TotalsInput& in) {
  auto at = [&](const std::string& node, const std::string& service, const char* metric) {
    const auto& s = store.get({node, service, metric});
    return tick < s.size() ? s[tick] : kNaN;
  };
  std::vector<Figure> out;
  auto emit = [&](SeriesKey key, const Acc& a) {
    if (std::isfinite(a.v)) out.push_back({std::move(key), a.v});
  };

  // A service's attempts and calls: what it sends down all its edges.
  Acc system_calls;
  for (const auto& s : in.services) {
    Acc attempts, calls;
    for (const auto& e : in.edges)
      if (e.caller == s.name) {
        attempts.add(at(e.node, e.series, series::kAttemptsRps));
        calls.add(at(e.node, e.series, series::kCallsRps));
      }
    // One that calls nothing sends nothing, whenever its rates are known.
    if (std::isfinite(at(s.node, s.name, series::kGoodputRps))) {
      if (!std::isfinite(attempts.v)) attempts.v = 0;
      if (!std::isfinite(calls.v)) calls.v = 0;
    }
    emit(SeriesKey::of(s.node, s.name, series::kAttemptsRps), attempts);
    emit(SeriesKey::of(s.node, s.name, series::kCallsRps), calls);
    system_calls.add(calls.v);
  }
  emit(SeriesKey::system(series::kCallsRps), system_calls);

  // The system as its clients see it: the load generators.
  {
    Acc offered, goodput, attempts, errors, p50, p99;
    for (const auto& l : in.loads) {
      offered.add(at(l.node, l.name, series::kOfferedRps));
      goodput.add(at(l.node, l.name, series::kGoodputRps));
      attempts.add(at(l.node, l.name, series::kAttemptsRps));
      errors.add(at(l.node, l.name, series::kErrorsRps));
      p50.worst(at(l.node, l.name, series::kP50));
      p99.worst(at(l.node, l.name, series::kP99));
    }
    // A client that answered this tick answered all of these: a goodput of
    // nothing is 0, not unknown.
    if (std::isfinite(offered.v)) {
      if (!std::isfinite(goodput.v)) goodput.v = 0;
      if (!std::isfinite(attempts.v)) attempts.v = 0;
      if (!std::isfinite(errors.v)) errors.v = 0;
    }
    emit(SeriesKey::system(series::kOfferedRps), offered);
    emit(SeriesKey::system(series::kGoodputRps), goodput);
    emit(SeriesKey::system(series::kAttemptsRps), attempts);
    emit(SeriesKey::system(series::kErrorsRps), errors);
    emit(SeriesKey::system(series::kP50), p50);
    emit(SeriesKey::system(series::kP99), p99);
  }

  // Inside the system: every service's figures summed.
  for (const char* m : {series::kRequestsRps, series::kQueueDepth, series::kInflight, series::kShedRps, series::kBreakerOpen, series::kRetriesRefusedRps}) {
    Acc a;
    for (const auto& s : in.services) a.add(at(s.node, s.name, m));
    emit(SeriesKey::system(m), a);
  }
  // And every node's cgroup.
  for (const char* m : {series::kCpuCores, series::kCpuThrottled, series::kMemoryBytes, series::kOomKills}) {
    Acc a;
    for (const auto& n : in.nodes) a.add(at(n, "", m));
    emit(SeriesKey::system(m), a);
  }
  return out;
}

}  // namespace faultline::experiment
