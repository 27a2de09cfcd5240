// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/analysis/requests.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace faultline::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double log_choose(size_t n, size_t k) {
  return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
         std::lgamma(static_cast<double>(n - k) + 1);
}

// Bernoulli log-likelihood ratio of k bad in n at share k/n against p.
double llr(size_t k, size_t n, double p) {
  if (n == 0) return 0;
  const double q = static_cast<double>(k) / static_cast<double>(n);
  double r = 0;
  if (k > 0) r += static_cast<double>(k) * std::log(q / p);
  if (k < n) r += static_cast<double>(n - k) * std::log((1 - q) / (1 - p));
  return r;
}

}  // namespace

const char* to_string(Health h) {
  switch (h) {
    case Health::kIdle: return "idle";
    case Health::kHealthy: return "healthy";
    case Health::kDegraded: return "degraded";
    case Health::kFailed: return "failed";
    case Health::kUnknown: break;
  }
  return "unknown";
}

char health_letter(Health h) {
  switch (h) {
    case Health::kIdle: return 'i';
    case Health::kHealthy: return 'h';
    case Health::kDegraded: return 'd';
    case Health::kFailed: return 'f';
    case Health::kUnknown: break;
  }
  return 'u';
}

std::vector<Judged> judge_tries(const std::vector<Try>& tries, double slo_s) {
  std::vector<Judged> out;
  out.reserve(tries.size());
  for (const auto& t : tries) {
    const double late = t.start_s + slo_s;
    if (t.open) {
      if (late <= t.end_s) out.push_back({late, true});
      continue;
    }
    const bool good = t.ok && t.end_s - t.start_s <= slo_s;
    out.push_back({good ? t.end_s : std::min(t.end_s, late), !good});
  }
  std::stable_sort(out.begin(), out.end(), [](const Judged& a, const Judged& b) { return a.t < b.t; });
  return out;
}

double latency_p99(const std::vector<Try>& tries, double begin_s, double end_s) {
  std::vector<double> lat;
  for (const auto& t : tries)
    if (t.ok && !t.open && t.start_s >= begin_s && t.start_s < end_s) lat.push_back(t.end_s - t.start_s);
  if (lat.empty()) return kNaN;
  // Nearest rank: a latency that was observed.
  const size_t rank = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(lat.size())));
  std::nth_element(lat.begin(), lat.begin() + static_cast<long>(rank - 1), lat.end());
  return lat[rank - 1];
}

double binomial_sf(size_t k, size_t n, double p) {
  if (k == 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  // Sum the terms from k up in log space; they fall fast beyond the mode.
  const double lp = std::log(p), lq = std::log1p(-p);
  double max_log = -std::numeric_limits<double>::infinity();
  std::vector<double> logs;
  for (size_t i = k; i <= n; ++i) {
    const double l = log_choose(n, i) + static_cast<double>(i) * lp + static_cast<double>(n - i) * lq;
    logs.push_back(l);
    max_log = std::max(max_log, l);
    if (l < max_log - 50) break;  // e^-50: below double's reach beside the largest term
  }
  double sum = 0;
  for (double l : logs) sum += std::exp(l - max_log);
  return std::min(1.0, std::exp(max_log) * sum);
}

size_t decisive_tries(double p_ok, double alpha) {
  if (p_ok <= 0) return 1;
  return static_cast<size_t>(std::max(1.0, std::ceil(std::log(alpha) / std::log(p_ok) - 1e-12)));
}

std::optional<size_t> change_point(const std::vector<Judged>& ev, size_t from, size_t to, double p_ok) {
  if (from >= to) return std::nullopt;
  // Suffix counts: the tries at and after each index.
  std::optional<size_t> best;
  double best_llr = 0;
  size_t n = 0, k = 0;
  for (size_t i = to; i-- > from;) {
    ++n;
    k += ev[i].bad ? 1 : 0;
    if (!ev[i].bad) continue;  // the change is placed at a bad try
    if (static_cast<double>(k) <= p_ok * static_cast<double>(n)) continue;
    const double r = llr(k, n, p_ok);
    if (r >= best_llr) best_llr = r, best = i;
  }
  return best;
}

SubjectHealth judge_health(const std::vector<Judged>& ev, const HealthRule& rule, const HealthSpan& span) {
  SubjectHealth h;
  const double w = rule.window_s;
  const size_t windows = span.end_s > 0 ? static_cast<size_t>(std::ceil(span.end_s / w - 1e-9)) : 0;
  // Tries and bad tries per window; the index of each window's first try.
  std::vector<size_t> n(windows, 0), k(windows, 0), first(windows + 1, ev.size());
  for (size_t i = ev.size(); i-- > 0;) {
    if (ev[i].t < 0) continue;
    const size_t wi = static_cast<size_t>(ev[i].t / w);
    if (wi >= windows) continue;
    ++n[wi];
    k[wi] += ev[i].bad ? 1 : 0;
    first[wi] = i;
  }
  for (size_t i = windows; i-- > 0;) first[i] = std::min(first[i], first[i + 1]);

  size_t bn = 0, bk = 0;
  for (const auto& e : ev)
    if (e.t >= span.baseline_begin_s && e.t < span.baseline_end_s) ++bn, bk += e.bad ? 1 : 0;
  h.baseline_judged = bn;
  h.baseline_bad = bn ? static_cast<double>(bk) / static_cast<double>(bn) : kNaN;
  h.p_ok = std::clamp(bn ? rule.bad_factor * h.baseline_bad : rule.bad_floor, rule.bad_floor, rule.bad_cap);
  const size_t need = decisive_tries(h.p_ok, rule.alpha);
  const size_t max_back = static_cast<size_t>(std::max(0.0, std::round(rule.lookback_s / w)));

  h.windows.assign(windows, Health::kIdle);
  for (size_t i = 0; i < windows; ++i) {
    if (n[i] == 0) continue;  // idle
    size_t tn = n[i], tk = k[i], back = 0;
    while (tn < need && back < max_back && back < i) {
      ++back;
      tn += n[i - back];
      tk += k[i - back];
    }
    Health s = Health::kHealthy;
    if (binomial_sf(tk, tn, h.p_ok) < rule.alpha)
      s = static_cast<double>(tn - tk) < rule.failed_good * static_cast<double>(tn) ? Health::kFailed : Health::kDegraded;
    h.windows[i] = s;
    if (!h.onset_window && bad(s) && span.first_fault_s && (static_cast<double>(i) + 1) * w > *span.first_fault_s) {
      h.onset_window = i;
      // The change point among the tries judged up to a look-back before
      // this window (and not before the fault's own look-back).
      const double from_t = std::max(static_cast<double>(i + 1) * w - rule.lookback_s - w, *span.first_fault_s - rule.lookback_s);
      size_t from = first[std::min(windows, static_cast<size_t>(std::max(0.0, std::floor(from_t / w))))];
      while (from < ev.size() && ev[from].t < from_t) ++from;
      const size_t to = first[i + 1];
      const auto cp = change_point(ev, from, to, h.p_ok);
      const size_t at = cp ? *cp : first[i];
      h.onset_s = std::max(ev[at].t, *span.first_fault_s);
      h.onset_resolution_s = at > 0 ? std::max(1e-6, ev[at].t - ev[at - 1].t) : w;
      if (ev[at].t < *span.first_fault_s) h.onset_resolution_s = std::max(h.onset_resolution_s, *span.first_fault_s - ev[at].t);
    }
  }
  return h;
}

}  // namespace faultline::analysis
