// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/expectations.hpp"

#include <cmath>
#include <cstdio>

#include "base/text.hpp"
#include "orchestrator/model/check_metrics.hpp"

namespace faultline::experiment {

namespace {

std::string fmt(double v) { return format_g(v, 4); }

// Scalars of the analysis a check may name instead of a series.
std::optional<std::optional<double>> scalar(const analysis::Findings& a, const std::string& metric,
                                            const std::string& service) {
  // A service's amplification: the largest of the calls into it.
  if (metric == "cumulative_amplification" || metric == "hop_amplification") {
    const bool hop = metric == "hop_amplification";
    if (service.empty()) return std::optional<double>(hop ? a.max_hop_amplification : a.max_cumulative_amplification);
    std::optional<double> v;
    for (const auto& e : a.edges) {
      const double x = hop ? e.per_hop : e.cumulative;
      if (e.callee == service && std::isfinite(x)) v = std::max(v.value_or(x), x);
    }
    return v;
  }
  if (metric == "blast_radius") return std::optional<double>(a.blast_radius);
  if (metric == "recovery_time") return a.recovery_s;
  if (metric == "time_to_collapse") return a.time_to_collapse_s;
  if (metric == "hops_per_s") return a.hops_per_s;
  return std::nullopt;
}

double aggregate(const analysis::Series& s, size_t b, size_t e, model::Aggregate agg) {
  using A = model::Aggregate;
  switch (agg) {
    case A::kMean: return analysis::mean(s, b, e);
    case A::kP50: return analysis::percentile(s, b, e, 0.5);
    case A::kP99: return analysis::percentile(s, b, e, 0.99);
    case A::kMax: return analysis::percentile(s, b, e, 1.0);
    case A::kMin: return analysis::percentile(s, b, e, 0.0);
    case A::kLast:
      for (size_t i = std::min(e, s.size()); i > b; --i)
        if (std::isfinite(s[i - 1])) return s[i - 1];
      break;
  }
  return std::nan("");
}

// The ticks [begin, end) a phase covers.
std::pair<size_t, size_t> ticks_of(model::Phase phase, const PhaseTicks& ph) {
  switch (phase) {
    case model::Phase::kBaseline: return {ph.baseline_begin, ph.baseline_end};
    case model::Phase::kFault: return {ph.fault_begin, ph.fault_end};
    case model::Phase::kRecovery: return {ph.fault_end, ph.end};
    case model::Phase::kAll: break;
  }
  return {0, ph.end};
}

}  // namespace

std::optional<SeriesKey> series_for(const model::Topology& topo, const std::string& metric,
                                    const std::string& service) {
  const model::CheckMetric* m = model::find_check_series(metric);
  if (!m) return std::nullopt;
  if (service.empty()) return SeriesKey::system(m->name);
  for (const auto& n : topo.nodes) {
    for (const auto& s : n.services)
      if (s.name == service) {
        if (!m->per_service) return std::nullopt;
        // A cgroup's figures are the service's node's.
        return m->node_level ? SeriesKey::of_node(n.name, m->name) : SeriesKey::of(n.name, s.name, m->name);
      }
    if (n.load && service == series::load_name(n.name)) return SeriesKey::of(n.name, service, m->name);
  }
  return std::nullopt;
}

std::vector<Verdict> evaluate(const model::Topology& topo, const model::Expect& ex, const analysis::Findings& a,
                              const SeriesStore& store, const PhaseTicks& ph, double horizon_s) {
  using Op = model::CompareOp;
  std::vector<Verdict> out;
  if (ex.recovers_within_ns) {
    Verdict v{"recovers_within", "recovery_time", a.recovery_s, Op::kLe, *ex.recovers_within_ns / 1e9, false, ""};
    v.passed = a.recovered && a.recovery_s && *a.recovery_s <= v.threshold;
    v.detail = a.recovered ? "recovered " + fmt(*a.recovery_s) + " s after the last fault"
                           : "not recovered within the " + fmt(horizon_s) + " s horizon" +
                                 std::string(a.metastable ? " (metastable)" : "");
    out.push_back(v);
  }
  if (ex.collapse) {
    Verdict v{"collapse", "collapse", a.collapsed ? 1.0 : 0.0, Op::kEq, *ex.collapse ? 1.0 : 0.0, false, ""};
    v.passed = a.collapsed == *ex.collapse;
    v.detail = a.collapsed ? "collapsed " + fmt(*a.time_to_collapse_s) + " s after the first fault" : "did not collapse";
    out.push_back(v);
  }
  if (ex.max_cumulative_amplification) {
    const double m = a.max_cumulative_amplification;
    Verdict v{"max_cumulative_amplification", "cumulative_amplification", m, Op::kLe, *ex.max_cumulative_amplification,
              false, ""};
    v.passed = m <= *ex.max_cumulative_amplification;
    v.detail = "largest cumulative amplification " + fmt(m) + " attempts per organic request";
    out.push_back(v);
  }
  if (ex.max_hop_amplification) {
    const double m = a.max_hop_amplification;
    Verdict v{"max_hop_amplification", "hop_amplification", m, Op::kLe, *ex.max_hop_amplification, false, ""};
    v.passed = m <= *ex.max_hop_amplification;
    v.detail = "largest per-hop amplification " + fmt(m) + " attempts per call";
    out.push_back(v);
  }
  if (ex.max_blast_radius_ppm) {
    Verdict v{"max_blast_radius", "blast_radius", a.blast_radius, Op::kLe, *ex.max_blast_radius_ppm / 1e6, false, ""};
    v.passed = a.blast_radius <= v.threshold + 1e-12;
    v.detail = fmt(a.blast_radius * 100) + "% of services degraded";
    out.push_back(v);
  }
  for (const auto& c : ex.checks) {
    Verdict v{c.name, c.metric, std::nullopt, c.op, c.threshold, false, ""};
    if (auto s = scalar(a, c.metric, c.service)) {
      v.measured = *s;
    } else if (auto key = series_for(topo, c.metric, c.service)) {
      auto [b, e] = ticks_of(c.phase, ph);
      if (c.from_ns && c.to_ns) {
        // The ticks that end within (from, to].
        b = static_cast<size_t>(std::floor(*c.from_ns / 1e9 / ph.tick_s + 1e-9)) + 1;
        e = static_cast<size_t>(std::floor(*c.to_ns / 1e9 / ph.tick_s + 1e-9)) + 1;
      }
      const double x = aggregate(store.get(*key), b, e, c.aggregate);
      if (std::isfinite(x)) v.measured = x;
    } else {
      v.detail = "unknown metric '" + c.metric + "'";
    }
    if (v.measured) {
      v.passed = model::holds(*v.measured, c.op, c.threshold);
      const std::string when = c.from_ns && c.to_ns ? "from " + fmt(*c.from_ns / 1e9) + " s to " + fmt(*c.to_ns / 1e9) + " s"
                                                    : std::string("in ") + model::to_string(c.phase);
      v.detail = model::to_string(c.aggregate) + (" " + c.metric) + (c.service.empty() ? "" : " of " + c.service) +
                 " " + when + ": " + fmt(*v.measured) + " " + model::to_string(c.op) + " " + fmt(c.threshold);
    } else if (v.detail.empty()) {
      v.detail = "no value measured";
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace faultline::experiment
