// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "orchestrator/experiment/timeline.hpp"

namespace faultline::experiment {

namespace {

double seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

size_t tick_after(double t_s, double tick_s) { return static_cast<size_t>(std::floor(t_s / tick_s + 1e-9)) + 1; }

}  // namespace

Schedule schedule_of(const model::Topology& topo) {
  const auto& ex = topo.experiment;
  Schedule s;
  s.any_fault = !topo.faults.empty();
  if (!s.any_fault) {
    s.end_ns = ex.duration_ns;
    return s;
  }
  s.first_fault_ns = std::numeric_limits<int64_t>::max();
  for (const auto& f : topo.faults) {
    s.first_fault_ns = std::min(s.first_fault_ns, f.at_ns);
    s.last_fault_end_ns = std::max(s.last_fault_end_ns, fault_end_ns(f, ex.duration_ns));
  }
  s.end_ns = std::max(ex.duration_ns, s.last_fault_end_ns + ex.horizon_ns);
  return s;
}

PhaseTicks phase_ticks(const model::Experiment& ex, const Schedule& s) {
  const double tick_s = seconds(ex.tick_ns);
  PhaseTicks ph;
  ph.tick_s = tick_s;
  ph.baseline_begin = tick_after(seconds(ex.warmup_ns), tick_s);
  ph.baseline_end = tick_after(seconds(ex.warmup_ns + ex.baseline_ns), tick_s);
  ph.fault_begin = s.any_fault ? tick_after(seconds(s.first_fault_ns), tick_s) : ph.baseline_end;
  ph.fault_end = s.any_fault ? tick_after(seconds(s.last_fault_end_ns), tick_s) : ph.baseline_end;
  // Recovery is judged within the horizon only: a system back after it was
  // not back within it, however long `duration` runs on.
  ph.horizon_end = s.any_fault ? tick_after(seconds(s.last_fault_end_ns + ex.horizon_ns), tick_s) : ph.baseline_end;
  return ph;
}

analysis::Thresholds thresholds_of(const model::Judgement& j, const model::Experiment& ex) {
  analysis::Thresholds th;
  th.health.window_s = seconds(j.health_window_ns);
  th.health.failed_good = j.failed_good_ppm / 1e6;
  th.onset_resolution_s = seconds(j.onset_resolution_ns);
  th.slo_factor = j.slo_factor;
  th.collapse_goodput = j.collapse_goodput_ppm / 1e6;
  th.recovered_goodput = j.recovered_goodput_ppm / 1e6;
  th.recovered_p99 = j.recovered_p99;
  th.offered_back = j.load_back_ppm / 1e6;
  const int64_t window = std::min(j.recovery_window_ns, ex.horizon_ns);
  th.recovery_window_ticks = static_cast<size_t>(std::max<int64_t>(1, (window + ex.tick_ns - 1) / ex.tick_ns));
  return th;
}

}  // namespace faultline::experiment
