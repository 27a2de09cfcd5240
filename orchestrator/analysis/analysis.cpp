#include "orchestrator/analysis/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <set>

namespace faultline::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double at(const Series& s, size_t i) { return i < s.size() ? s[i] : kNaN; }

size_t ticks(const Input& in) {
  size_t n = std::max({in.offered.size(), in.goodput.size(), in.p99_s.size()});
  for (const auto& s : in.services) n = std::max(n, s.goodput.size());
  return n;
}

Baseline baseline_of(const Series& goodput, const Series& p99, std::optional<double> slo, const Input& in) {
  Baseline b;
  b.goodput = mean(goodput, in.baseline_begin, in.baseline_end);
  b.p99_s = mean(p99, in.baseline_begin, in.baseline_end);
  b.valid = std::isfinite(b.goodput) && b.goodput > 0;
  b.slo_p99_s = slo ? *slo : (std::isfinite(b.p99_s) ? in.th.slo_factor * b.p99_s : kNaN);
  return b;
}

Health health_at(const Baseline& b, double goodput, double p99, double up, const Thresholds& th) {
  if (!b.valid) return Health::kUnknown;
  // Unresponsive: its rates are unknown this tick (the next answer's span
  // the gap), but a service that cannot answer a scrape is not healthy.
  if (up == 0) return Health::kDegraded;
  if (!std::isfinite(goodput)) return Health::kUnknown;
  if (goodput < th.failed_goodput * b.goodput) return Health::kFailed;
  if (goodput < th.degraded_goodput * b.goodput) return Health::kDegraded;
  if (std::isfinite(p99) && std::isfinite(b.slo_p99_s) && p99 > b.slo_p99_s) return Health::kDegraded;
  return Health::kHealthy;
}

bool bad(Health h) { return h == Health::kDegraded || h == Health::kFailed; }

// Undirected hop distances between services over the call edges.
std::map<std::string, int> distances_from(const std::string& origin, const std::vector<EdgeSeries>& edges) {
  std::map<std::string, std::set<std::string>> adj;
  for (const auto& e : edges) {
    adj[e.caller].insert(e.callee);
    adj[e.callee].insert(e.caller);
  }
  std::map<std::string, int> dist{{origin, 0}};
  std::deque<std::string> q{origin};
  while (!q.empty()) {
    const std::string n = q.front();
    q.pop_front();
    for (const auto& m : adj[n])
      if (dist.emplace(m, dist[n] + 1).second) q.push_back(m);
  }
  return dist;
}

// Depth of every callee from the load generators (callers that are not services).
std::map<std::string, int> tiers(const Input& in) {
  std::set<std::string> services;
  for (const auto& s : in.services) services.insert(s.name);
  std::map<std::string, int> depth;
  std::deque<std::string> q;
  for (const auto& e : in.edges)
    if (!services.count(e.caller) && depth.emplace(e.callee, 1).second) q.push_back(e.callee);
  while (!q.empty()) {
    const std::string n = q.front();
    q.pop_front();
    for (const auto& e : in.edges)
      if (e.caller == n && depth.emplace(e.callee, depth[n] + 1).second) q.push_back(e.callee);
  }
  return depth;
}

std::optional<size_t> first_engaged(const Series& s, size_t from, size_t end) {
  for (size_t i = from; i < end; ++i)
    if (std::isfinite(at(s, i)) && at(s, i) > 0) return i;
  return std::nullopt;
}

}  // namespace

const char* to_string(Health h) {
  switch (h) {
    case Health::kHealthy: return "healthy";
    case Health::kDegraded: return "degraded";
    case Health::kFailed: return "failed";
    case Health::kUnknown: break;
  }
  return "unknown";
}

double mean(const Series& s, size_t begin, size_t end) {
  double total = 0;
  size_t n = 0;
  for (size_t i = begin; i < end && i < s.size(); ++i)
    if (std::isfinite(s[i])) total += s[i], ++n;
  return n ? total / n : kNaN;
}

double percentile(const Series& s, size_t begin, size_t end, double q) {
  std::vector<double> v;
  for (size_t i = begin; i < end && i < s.size(); ++i)
    if (std::isfinite(s[i])) v.push_back(s[i]);
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  // Nearest rank: a value that was actually observed.
  const size_t rank = static_cast<size_t>(std::ceil(std::clamp(q, 0.0, 1.0) * v.size()));
  return v[rank == 0 ? 0 : rank - 1];
}

Findings analyse(const Input& in) {
  Findings r;
  const size_t n = ticks(in);
  const Thresholds& th = in.th;
  const double tick = in.tick_s;

  r.system = baseline_of(in.goodput, in.p99_s, std::nullopt, in);
  for (const auto& s : in.services) {
    const Baseline b = baseline_of(s.goodput, s.p99_s, s.slo_p99_s, in);
    r.baselines[s.name] = b;
    auto& h = r.health[s.name];
    for (size_t i = 0; i < n; ++i) h.push_back(health_at(b, at(s.goodput, i), at(s.p99_s, i), at(s.up, i), th));
  }
  if (!in.first_fault) return r;  // nothing to judge without a fault
  const size_t f0 = *in.first_fault;
  const size_t fault_end = std::min(n, in.last_fault_end.value_or(n));

  // Propagation: the first tick each service is degraded at or after the first fault.
  struct Hit {
    size_t tick;
    std::string service;
  };
  std::vector<Hit> hits;
  for (const auto& s : in.services) {
    const auto& h = r.health[s.name];
    for (size_t i = f0; i < n; ++i)
      if (bad(h[i])) {
        hits.push_back({i, s.name});
        break;
      }
  }
  // Within one tick the order comes from the graph: nearest the faults'
  // targets first (failure travels from where it was injected).
  std::map<std::string, int> from_origin;
  for (const auto& o : in.origins)
    for (const auto& [svc, d] : distances_from(o, in.edges)) {
      auto it = from_origin.find(svc);
      if (it == from_origin.end() || d < it->second) from_origin[svc] = d;
    }
  auto origin_distance = [&](const std::string& svc) {
    auto it = from_origin.find(svc);
    return it == from_origin.end() ? 1 << 20 : it->second;
  };
  std::stable_sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
    if (a.tick != b.tick) return a.tick < b.tick;
    return origin_distance(a.service) < origin_distance(b.service);
  });
  if (!in.services.empty()) r.blast_radius = static_cast<double>(hits.size()) / in.services.size();
  if (!hits.empty()) {
    const auto dist = distances_from(hits.front().service, in.edges);
    std::map<std::string, size_t> reached;
    int max_hops = 0;
    size_t max_hops_tick = hits.front().tick;
    for (const auto& hit : hits) {
      PropagationStep p{hit.service, hit.tick, (static_cast<double>(hit.tick) - f0) * tick, "", 0,
                        !r.propagation.empty() && r.propagation.back().tick == hit.tick};
      auto d = dist.find(hit.service);
      p.hops = d == dist.end() ? -1 : d->second;
      // Reached from a neighbour degraded earlier: a callee first (failure
      // travels up the call graph), else a caller.
      for (int pass = 0; pass < 2 && p.via.empty(); ++pass)
        for (const auto& e : in.edges) {
          const std::string& me = pass == 0 ? e.caller : e.callee;
          const std::string& other = pass == 0 ? e.callee : e.caller;
          auto it = reached.find(other);
          if (me == hit.service && it != reached.end() && it->second <= hit.tick) {
            p.via = other;
            break;
          }
        }
      reached[hit.service] = hit.tick;
      if (p.hops > max_hops) max_hops = p.hops, max_hops_tick = hit.tick;
      r.propagation.push_back(p);
    }
    if (max_hops > 0 && max_hops_tick > hits.front().tick)
      r.hops_per_s = max_hops / ((max_hops_tick - hits.front().tick) * tick);
  }

  // Collapse.
  for (size_t i = f0; i < n; ++i) {
    const double off = at(in.offered, i), good = at(in.goodput, i);
    if (std::isfinite(off) && off > 0 && std::isfinite(good) && good < th.collapse_goodput * off) {
      r.collapsed = true;
      r.time_to_collapse_s = (static_cast<double>(i) - f0) * tick;
      break;
    }
  }

  // Recovery after the last fault: a whole window of good ticks.
  if (in.last_fault_end && r.system.valid) {
    const size_t w = std::max<size_t>(th.recovery_window_ticks, 1);
    // Goodput is judged against the load offered in the same window when the
    // load is known: a Poisson load makes the baseline's own goodput a noisy
    // figure (+-10% over a few ticks at 60 req/s), and a window that served
    // everything offered has recovered whatever the draw.
    const double base_off = mean(in.offered, in.baseline_begin, in.baseline_end);
    // The baseline's p99 is a range, not a point: sub-millisecond p99s of a
    // healthy system vary several-fold from tick to tick, so "within 1.1x of
    // the baseline" is read against the worst baseline tick.
    const double base_p99 = percentile(in.p99_s, in.baseline_begin, in.baseline_end, 1.0);
    // Only windows that end within the horizon count.
    const size_t judged = std::min(n, in.horizon_end.value_or(n));
    for (size_t t = *in.last_fault_end; t + w <= judged && !r.recovered; ++t) {
      const double g = mean(in.goodput, t, t + w), p = mean(in.p99_s, t, t + w), off = mean(in.offered, t, t + w);
      const bool relative = std::isfinite(off) && off > 0 && std::isfinite(base_off) && base_off > 0;
      const double share = relative ? (g / off) / (r.system.goodput / base_off) : g / r.system.goodput;
      const bool good = std::isfinite(g) && share >= th.recovered_goodput &&
                        (!std::isfinite(base_p99) || (std::isfinite(p) && p <= th.recovered_p99 * base_p99));
      if (good) {
        r.recovered = true;
        r.recovery_s = (static_cast<double>(t) - *in.last_fault_end) * tick;
      }
    }
    if (!r.recovered) {
      const double late_off = mean(in.offered, *in.last_fault_end, judged);
      r.metastable = std::isfinite(base_off) && std::isfinite(late_off) &&
                     std::abs(late_off - base_off) <= th.offered_back * base_off;
    }
  }

  // Amplification over the fault phase, per edge and per tier.
  const auto depth = tiers(in);
  const double offered_fault = mean(in.offered, f0, fault_end);
  std::map<int, double> tier_attempts;
  for (const auto& e : in.edges) {
    Amplification a{e.caller, e.callee, 0, 0, 0};
    if (auto d = depth.find(e.callee); d != depth.end()) a.tier = d->second;
    const double att = mean(e.attempts, f0, fault_end);
    if (std::isfinite(att) && offered_fault > 0) a.during_fault = att / offered_fault;
    for (size_t i = f0; i < fault_end; ++i) {
      const double off = at(in.offered, i), x = at(e.attempts, i);
      if (std::isfinite(off) && off > 0 && std::isfinite(x)) a.peak = std::max(a.peak, x / off);
    }
    if (std::isfinite(att)) tier_attempts[a.tier] += att;
    r.amplification.push_back(a);
  }
  for (const auto& [tier, att] : tier_attempts) {
    if (tier == 0 || !(offered_fault > 0)) continue;
    r.tier_amplification[tier] = att / offered_fault;
    r.max_amplification = std::max(r.max_amplification, att / offered_fault);
  }

  // Did each control engage before propagation reached its service?
  std::map<std::string, double> degraded_at;
  for (const auto& p : r.propagation) degraded_at[p.service] = p.after_fault_s;
  for (const auto& s : in.services) {
    const std::pair<const char*, const Series*> controls[] = {
        {"breaker", &s.breaker_open}, {"shedding", &s.shed}, {"retry budget", &s.budget_exhausted}};
    for (const auto& [name, series] : controls) {
      if (series->empty()) continue;
      ControlTiming c{s.name, name, std::nullopt, std::nullopt, false};
      if (auto e = first_engaged(*series, f0, n)) c.engaged_s = (static_cast<double>(*e) - f0) * tick;
      if (auto d = degraded_at.find(s.name); d != degraded_at.end()) c.degraded_s = d->second;
      if (!c.engaged_s && !c.degraded_s) continue;  // neither happened: nothing to compare
      c.outpaced = c.degraded_s && (!c.engaged_s || *c.engaged_s > *c.degraded_s);
      r.controls.push_back(c);
    }
  }
  return r;
}

}  // namespace faultline::analysis
