// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/timeline.hpp"

#include <algorithm>
#include <cstdio>

#include "orchestrator/model/units.hpp"
#include "orchestrator/model/series_names.hpp"

namespace faultline::experiment {

bool rampable(const model::Fault& f) {
  using A = model::Fault::Action;
  return f.cpu_millicores || f.memory_bytes || f.impairment || f.rate || f.action == A::kCpuHog ||
         f.action == A::kMemoryHog;
}

int64_t fault_end_ns(const model::Fault& f, int64_t duration_ns) {
  if (f.action == model::Fault::Action::kRestart) return f.at_ns;
  return f.for_ns > 0 ? f.at_ns + f.for_ns : std::max(duration_ns, f.at_ns);
}

std::vector<Step> build_timeline(const model::Topology& topo, int64_t ramp_step_ns, int64_t end_ns) {
  std::vector<Step> steps;
  for (size_t i = 0; i < topo.faults.size(); ++i) {
    const auto& f = topo.faults[i];
    const int64_t end = std::min(fault_end_ns(f, topo.experiment.duration_ns), end_ns);
    if (f.ramp_ns > 0 && ramp_step_ns > 0 && rampable(f)) {
      // n equal steps, the first at `at` (the fault is an event from its
      // start), the last, with the full values, one step before at + ramp.
      const int64_t n = std::max<int64_t>(1, (f.ramp_ns + ramp_step_ns - 1) / ramp_step_ns);
      for (int64_t k = 0; k < n; ++k) {
        const int64_t t = f.at_ns + f.ramp_ns * k / n;
        if (t >= end) break;
        steps.push_back({t, i, Step::Kind::kApply, static_cast<double>(k + 1) / static_cast<double>(n)});
      }
    } else {
      steps.push_back({f.at_ns, i, Step::Kind::kApply, 1.0});
    }
    // restart acts once; everything else is undone at its end.
    if (f.action != model::Fault::Action::kRestart) steps.push_back({end, i, Step::Kind::kRevert, 0.0});
  }
  std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
    if (a.t_ns != b.t_ns) return a.t_ns < b.t_ns;
    return a.kind == Step::Kind::kRevert && b.kind == Step::Kind::kApply;
  });
  return steps;
}

std::string describe_target(const model::FaultTarget& t) {
  switch (t.kind) {
    case model::FaultTarget::Kind::kNode: return "node:" + t.node;
    case model::FaultTarget::Kind::kLink: return "link:" + t.link.name();
    case model::FaultTarget::Kind::kSegment: return "segment:" + t.segment;
    case model::FaultTarget::Kind::kLoad: return model::series::load_name(t.node);
  }
  return t.name();
}

std::string describe_fault(const model::Fault& f) {
  using A = model::Fault::Action;
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
  if (f.cpu_millicores) add("cpu " + model::units::format_cores(*f.cpu_millicores));
  if (f.memory_bytes) add("memory " + model::units::format_bytes_short(*f.memory_bytes));
  switch (f.action) {
    case A::kPause: add("pause"); break;
    case A::kKill: add("kill"); break;
    case A::kRestart: add("restart"); break;
    case A::kCpuHog: add("cpu hog " + model::units::format_cores(f.hog_millicores)); break;
    case A::kMemoryHog: add("memory hog " + model::units::format_bytes_short(f.hog_bytes)); break;
    case A::kPartition: add("partition"); break;
    case A::kNone: break;
  }
  if (f.impairment) add(netem::describe(*f.impairment) + (f.direction == model::Direction::kBoth ? "" : " (" + std::string(model::to_string(f.direction)) + ")"));
  if (f.rate) {
    char b[48];
    std::snprintf(b, sizeof b, "rate %g/s", *f.rate);
    add(b);
  }
  if (f.ramp_ns > 0) add("ramp " + std::to_string(f.ramp_ns / 1'000'000) + "ms");
  return out;
}

}  // namespace faultline::experiment
