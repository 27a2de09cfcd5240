// SPDX-License-Identifier: Apache-2.0
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
  for (const auto& e : in.edges) n = std::max(n, e.attempts.size());
  return n;
}

Baseline baseline_of(const Series& goodput, const Series& p99, const Input& in) {
  Baseline b;
  b.goodput = mean(goodput, in.baseline_begin, in.baseline_end);
  b.p99_s = mean(p99, in.baseline_begin, in.baseline_end);
  b.valid = std::isfinite(b.goodput) && b.goodput > 0;
  return b;
}

// Health against an SLO that could not be set (no answered try in the
// baseline and none given): unknown wherever it was asked anything.
SubjectHealth unknown_health(const std::vector<Judged>& ev, const HealthRule& rule, const HealthSpan& span) {
  SubjectHealth h = judge_health(ev, rule, span);
  for (auto& w : h.windows)
    if (w != Health::kIdle) w = Health::kUnknown;
  h.onset_s.reset();
  h.onset_window.reset();
  return h;
}

SubjectHealth health_of(const std::vector<Try>& tries, double slo_s, const Input& in) {
  const HealthSpan span{in.baseline_begin_s, in.baseline_end_s, in.first_fault_s, in.end_s};
  if (!(slo_s > 0)) {
    std::vector<Judged> ev;
    for (const auto& t : tries) ev.push_back({t.end_s, false});
    std::sort(ev.begin(), ev.end(), [](const Judged& a, const Judged& b) { return a.t < b.t; });
    return unknown_health(ev, in.th.health, span);
  }
  return judge_health(judge_tries(tries, slo_s), in.th.health, span);
}

std::string edge_name(const std::string& caller, const std::string& callee) { return caller + "->" + callee; }

// Undirected hop distances between services over the call edges.
std::map<std::string, int> distances_from(const std::string& origin, const std::vector<EdgeInput>& edges) {
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

// Whether `from` calls `to`, directly or through other services.
bool calls_through(const std::string& from, const std::string& to, const std::vector<EdgeInput>& edges) {
  std::set<std::string> seen{from};
  std::deque<std::string> q{from};
  while (!q.empty()) {
    const std::string n = q.front();
    q.pop_front();
    for (const auto& e : edges) {
      if (e.caller != n) continue;
      if (e.callee == to) return true;
      if (seen.insert(e.callee).second) q.push_back(e.callee);
    }
  }
  return false;
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

// Amplification over the fault phase (without a fault: from the baseline
// on): per hop (attempts / calls on the edge) and cumulative (attempts on the
// edge per organic request offered). From the records when there are any:
// each call and each organic request counts every attempt it caused, so a
// tick's ratio can never exceed what the retries allow; else from the series.
void amplify_from_series(const Input& in, size_t n, Findings& r) {
  const size_t f0 = in.first_fault.value_or(in.baseline_begin);
  const size_t end = std::min(n, in.first_fault ? in.last_fault_end.value_or(n) : n);
  const double offered = mean(in.offered, f0, end);
  for (size_t i = 0; i < in.edges.size(); ++i) {
    const auto& e = in.edges[i];
    auto& f = r.edges[i];
    const double att = mean(e.attempts, f0, end), calls = mean(e.calls, f0, end);
    f.per_hop = calls > 0 && std::isfinite(att) ? att / calls : kNaN;
    f.cumulative = offered > 0 && std::isfinite(att) ? att / offered : kNaN;
    for (size_t t = f0; t < end; ++t) {
      const double x = at(e.attempts, t), c = at(e.calls, t), off = at(in.offered, t);
      if (std::isfinite(x) && std::isfinite(c) && c > 0) f.per_hop_peak = std::max(f.per_hop_peak, x / c);
      if (std::isfinite(x) && std::isfinite(off) && off > 0) f.cumulative_peak = std::max(f.cumulative_peak, x / off);
    }
  }
}

void amplify_from_records(const Input& in, Findings& r) {
  const double from = in.first_fault_s.value_or(in.baseline_begin_s);
  const double to = in.first_fault_s ? in.last_fault_end_s.value_or(in.end_s) : in.end_s;
  const double tick = in.tick_s > 0 ? in.tick_s : 1;
  auto bucket = [&](double t) { return static_cast<size_t>((t - from) / tick); };
  const size_t buckets = to > from ? bucket(to) + 1 : 0;
  std::vector<double> organic(buckets, 0);
  double organic_n = 0;
  for (double t : in.organic_starts_s)
    if (t >= from && t < to) ++organic[bucket(t)], ++organic_n;
  for (size_t i = 0; i < in.edges.size(); ++i) {
    const auto& e = in.edges[i];
    auto& f = r.edges[i];
    std::vector<double> calls(buckets, 0), call_att(buckets, 0), req_att(buckets, 0);
    double n_calls = 0, n_call_att = 0, n_req_att = 0;
    for (const auto& c : e.call_attempts)
      if (c.start_s >= from && c.start_s < to) {
        ++calls[bucket(c.start_s)];
        call_att[bucket(c.start_s)] += c.attempts;
        ++n_calls;
        n_call_att += c.attempts;
      }
    for (const auto& q : e.request_attempts)
      if (q.start_s >= from && q.start_s < to) {
        req_att[bucket(q.start_s)] += q.attempts;
        n_req_att += q.attempts;
      }
    f.per_hop = n_calls > 0 ? n_call_att / n_calls : kNaN;
    f.cumulative = organic_n > 0 ? n_req_att / organic_n : kNaN;
    for (size_t b = 0; b < buckets; ++b) {
      if (calls[b] > 0) f.per_hop_peak = std::max(f.per_hop_peak, call_att[b] / calls[b]);
      if (organic[b] > 0) f.cumulative_peak = std::max(f.cumulative_peak, req_att[b] / organic[b]);
    }
  }
}

void amplify(const Input& in, size_t n, Findings& r) {
  if (in.organic_starts_s.empty())
    amplify_from_series(in, n, r);
  else
    amplify_from_records(in, r);
  for (const auto& f : r.edges) {
    if (std::isfinite(f.per_hop)) r.max_hop_amplification = std::max(r.max_hop_amplification, f.per_hop);
    if (std::isfinite(f.cumulative)) r.max_cumulative_amplification = std::max(r.max_cumulative_amplification, f.cumulative);
  }
}

}  // namespace

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

  r.system = baseline_of(in.goodput, in.p99_s, in);
  // Health from requests: every service against its SLO, every call edge
  // against its callee's.
  std::map<std::string, double> slo;
  for (const auto& s : in.services) {
    ServiceFindings f;
    f.baseline_p99_s = latency_p99(s.tries, in.baseline_begin_s, in.baseline_end_s);
    f.slo_explicit = s.slo_p99_s.has_value();
    f.slo_s = s.slo_p99_s ? *s.slo_p99_s : th.slo_factor * f.baseline_p99_s;
    f.health = health_of(s.tries, f.slo_s, in);
    f.tries = s.tries.size();
    slo[s.name] = f.slo_s;
    r.services[s.name] = std::move(f);
  }
  const auto depth = tiers(in);
  for (const auto& e : in.edges) {
    EdgeFindings f;
    f.caller = e.caller;
    f.callee = e.callee;
    if (auto d = depth.find(e.callee); d != depth.end()) f.tier = d->second;
    const auto it = slo.find(e.callee);
    f.health = health_of(e.tries, it == slo.end() ? kNaN : it->second, in);
    r.edges.push_back(std::move(f));
  }
  amplify(in, n, r);

  if (!in.first_fault || !in.first_fault_s) return r;  // nothing more to judge without a fault
  const size_t f0 = *in.first_fault;
  const double fault_s = *in.first_fault_s;
  const double horizon_s = in.horizon_end_s > 0 ? in.horizon_end_s : in.end_s;

  // Propagation: each service's onset, in time order.
  for (const auto& s : in.services) {
    const auto& h = r.services[s.name].health;
    if (!h.onset_s || *h.onset_s >= horizon_s) continue;
    PropagationStep p;
    p.service = s.name;
    p.onset_s = *h.onset_s;
    p.after_fault_s = *h.onset_s - fault_s;
    p.resolution_s = std::max(th.onset_resolution_s, h.onset_resolution_s);
    r.propagation.push_back(p);
  }
  std::stable_sort(r.propagation.begin(), r.propagation.end(),
                   [](const PropagationStep& a, const PropagationStep& b) { return a.onset_s < b.onset_s; });
  // Within the onsets' resolution time cannot order a caller and what it
  // calls: a caller's request starts microseconds before the call it makes,
  // so a caller may be seen failing first. Failure travels up the call graph,
  // so a service goes before a caller (direct or not) it is simultaneous with.
  for (size_t i = 1; i < r.propagation.size(); ++i) {
    for (size_t j = i; j > 0; --j) {
      auto& before = r.propagation[j - 1];
      auto& p = r.propagation[j];
      if (p.onset_s - before.onset_s > std::max(p.resolution_s, before.resolution_s)) break;
      if (!calls_through(before.service, p.service, in.edges)) break;
      std::swap(before, p);
    }
  }
  if (!in.services.empty()) r.blast_radius = static_cast<double>(r.propagation.size()) / in.services.size();
  if (!r.propagation.empty()) {
    std::map<std::string, const PropagationStep*> reached;
    for (const auto& p : r.propagation) reached[p.service] = &p;
    std::map<std::string, std::optional<double>> edge_onset;
    for (const auto& e : r.edges) edge_onset[edge_name(e.caller, e.callee)] = e.health.onset_s;
    const auto dist = distances_from(r.propagation.front().service, in.edges);
    const PropagationStep& first = r.propagation.front();
    for (size_t i = 0; i < r.propagation.size(); ++i) {
      auto& p = r.propagation[i];
      if (i > 0) {
        const auto& prev = r.propagation[i - 1];
        p.simultaneous = p.onset_s - prev.onset_s <= std::max(p.resolution_s, prev.resolution_s);
      }
      auto d = dist.find(p.service);
      p.hops = d == dist.end() ? -1 : d->second;
      // Reached through a call whose own failures began no later than the
      // service's: the earliest of its callees' calls to fail (failure
      // travels up the call graph). None: it failed on its own (a fault's
      // target, or overload from above), not through a call.
      std::optional<double> best;
      for (const auto& e : in.edges) {
        if (e.caller != p.service || e.callee == p.service) continue;
        const auto eo = edge_onset[edge_name(e.caller, e.callee)];
        if (!eo || *eo > p.onset_s + p.resolution_s || !reached.count(e.callee)) continue;
        if (!best || *eo < *best) best = *eo, p.via = e.callee, p.via_edge = edge_name(e.caller, e.callee);
      }
      if (i == 0) p.via.clear(), p.via_edge.clear();
    }
    // Speed: the farthest hop reached over the time it took, where that
    // time is beyond the onsets' resolution.
    const PropagationStep* far = nullptr;
    for (const auto& p : r.propagation) {
      const double dt = p.onset_s - first.onset_s;
      if (p.hops <= 0 || dt <= std::max(p.resolution_s, first.resolution_s)) continue;
      if (!far || p.hops > far->hops) far = &p;
    }
    if (far) r.hops_per_s = far->hops / (far->onset_s - first.onset_s);
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

  // Did each control engage before propagation reached its service?
  for (const auto& s : in.services) {
    const PropagationStep* step = nullptr;
    for (const auto& p : r.propagation)
      if (p.service == s.name) step = &p;
    for (const auto& [name, times] : s.controls) {
      ControlTiming c{s.name, name, std::nullopt, std::nullopt, false, false};
      for (double t : times)
        if (t >= fault_s && t < horizon_s) {
          c.engaged_s = t - fault_s;
          break;
        }
      if (step) c.degraded_s = step->after_fault_s;
      if (!c.engaged_s && !c.degraded_s) continue;  // neither happened: nothing to compare
      const double tol = step ? step->resolution_s : th.onset_resolution_s;
      c.simultaneous = c.engaged_s && c.degraded_s && std::abs(*c.engaged_s - *c.degraded_s) <= tol;
      c.outpaced = c.degraded_s && !c.simultaneous && (!c.engaged_s || *c.engaged_s > *c.degraded_s);
      r.controls.push_back(c);
    }
  }
  return r;
}

}  // namespace faultline::analysis
