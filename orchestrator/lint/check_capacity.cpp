// SPDX-License-Identifier: Apache-2.0
// Capacity: each service's offered rate against what its workers and its
// node's CPU can serve, and the Erlang C latency against its SLO.
#include <cmath>

#include "orchestrator/lint/checks.hpp"
#include "orchestrator/lint/format.hpp"

namespace faultline::lint {

namespace {

constexpr double kWarnUtilisation = 0.8;

// The queue the latency prediction models: "M/M/4", or the CPU as its
// server(s) where the CPU sets the capacity.
std::string queue_model(const ServicePrediction& s) {
  const uint32_t c = s.servers ? s.servers : s.workers;
  return "M/M/" + std::to_string(c) + (s.cpu_bound ? " (the CPU as " + std::string(c == 1 ? "its server" : "its servers") + ")" : "");
}

// "4 workers / 16 ms held per request = 250 req/s" or the CPU's share.
std::string capacity_why(const ServicePrediction& s) {
  if (s.cpu_bound)
    return fmt_num(s.cpu_cores) + " cores of " + s.node + " over " + fmt_s(s.work_s) + " of CPU per request = " +
           fmt_rps(s.capacity_rps) + " (its " + std::to_string(s.workers) + " workers alone could serve " +
           fmt_rps(s.workers / s.hold_s) + ")";
  return std::to_string(s.workers) + " workers / " + fmt_s(s.hold_s) + " held per request = " + fmt_rps(s.capacity_rps);
}

// What brings utilisation under 80%: the least CPU (in steps of 0.01
// cores) or workers that do, or the share of today's load it can take.
std::string capacity_fix(const ServicePrediction& s) {
  std::string fix;
  if (s.cpu_bound) {
    // Cores c serve c / work minus what the node's other services use.
    const double others = s.cpu_cores - s.capacity_rps * s.work_s;
    // The first step of 0.01 strictly above the cores that give exactly 80%.
    const double cores = std::floor((others + s.offered_rps * s.work_s / kWarnUtilisation) * 100 + 1e-6) / 100 + 0.01;
    fix = "cpu of node " + s.node + " >= " + fmt_num(cores) + ", or less work per request";
  } else {
    fix = "workers >= " + std::to_string(static_cast<long>(std::floor(s.busy_workers / kWarnUtilisation + 1e-9)) + 1) +
          ", or less time held per request (work, wait, calls)";
  }
  return fix + ", or the loads scaled to under " + fmt_num(100 * kWarnUtilisation / s.utilisation) + "% of today's (" + s.name +
         " offered under " + fmt_rps(s.capacity_rps * kWarnUtilisation) + ")";
}

// Callees whose own overload makes this service's calls run to their
// timeouts: fixing them first changes this service's figures.
std::string overloaded_callees(const CheckInput& in, size_t service) {
  std::string out;
  const auto& g = in.graph;
  for (size_t e : g.services()[service].endpoints)
    for (const auto& c : g.endpoints()[e].calls) {
      const size_t callee = g.endpoints()[c.callee].service;
      const auto& name = in.pred.services[callee].name;
      if (callee != service && in.pred.services[callee].utilisation >= 1 && out.find(name) == std::string::npos)
        out += (out.empty() ? "" : ", ") + name;
    }
  return out;
}

std::optional<int64_t> slo_of(const model::Topology& topo, const model::Service& s) {
  if (s.slo_p99_ns) return s.slo_p99_ns;
  return topo.expect.judge.slo_p99_ns;
}

}  // namespace

void check_capacity(const CheckInput& in, std::vector<Finding>& out) {
  for (size_t i = 0; i < in.pred.services.size(); ++i) {
    const auto& s = in.pred.services[i];
    if (!(s.offered_rps > 0)) continue;
    const std::vector<std::pair<std::string, double>> figures = {
        {"offered_rps", s.offered_rps}, {"capacity_rps", s.capacity_rps}, {"utilisation", s.utilisation},
        {"hold_s", s.hold_s},           {"busy_workers", s.busy_workers}};
    const std::string cascade = overloaded_callees(in, i);
    const std::string because =
        cascade.empty() ? "" : "; its calls run to their timeouts because " + cascade + " is overloaded (fix that first)";
    if (s.utilisation >= 1) {
      out.push_back({s.loc, "capacity", Severity::kCritical,
                     s.name + " is offered " + fmt_rps(s.offered_rps) + " and can serve " + capacity_why(s) +
                         ": utilisation " + fmt_pct(s.utilisation) + " (Little's law: " + fmt_num(s.busy_workers) +
                         " requests in service on average); its queue grows until it sheds" + because,
                     capacity_fix(s), {s.name}, figures});
    } else if (s.utilisation >= kWarnUtilisation) {
      auto f = figures;
      f.push_back({"mean_s", s.mean_s.value_or(NAN)});
      f.push_back({"p99_s", s.p99_s.value_or(NAN)});
      out.push_back({s.loc, "capacity", Severity::kWarning,
                     s.name + " is offered " + fmt_rps(s.offered_rps) + " of " + capacity_why(s) + ": utilisation " +
                         fmt_pct(s.utilisation) + ", little headroom for a fault's retries; " +
                         queue_model(s) + " (Erlang C) predicts a mean of " + fmt_s(s.mean_s.value_or(NAN)) +
                         " and a p99 of " + fmt_s(s.p99_s.value_or(NAN)) + because,
                     capacity_fix(s), {s.name}, f});
    }
    const auto slo = slo_of(in.topo, *in.graph.services()[i].service);
    if (slo && s.p99_s && *s.p99_s > *slo / 1e9) {
      const double slo_s = *slo / 1e9;
      out.push_back({s.loc, "latency", Severity::kWarning,
                     s.name + "'s p99 as " + queue_model(s) + " (Erlang C, " + fmt_rps(s.offered_rps) +
                         ", " + fmt_s(s.hold_s) + " held per request, utilisation " + fmt_pct(s.utilisation) +
                         ") is " + fmt_s(*s.p99_s) + " (mean " + fmt_s(*s.mean_s) + "), above its SLO of " +
                         fmt_s(slo_s) + ": it is degraded before any fault",
                     "less time held per request, more workers, or an slo >= " + fmt_s(*s.p99_s),
                     {s.name},
                     {{"p99_s", *s.p99_s}, {"mean_s", *s.mean_s}, {"slo_s", slo_s}, {"utilisation", s.utilisation}}});
    }
  }
}

}  // namespace faultline::lint
