// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/explore_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace faultline::experiment::explore {

namespace {

// Runs at one x of a line: how many, how many recovered.
struct Tally {
  int n = 0, good = 0;
  bool verdict() const { return 2 * good > n; }  // a tie does not recover: not reliably
};

std::map<double, Tally> tally(const std::vector<Observation>& obs, double y) {
  std::map<double, Tally> t;
  for (const auto& o : obs)
    if (o.at.y == y) {
      auto& e = t[o.at.x];
      ++e.n;
      e.good += o.good ? 1 : 0;
    }
  return t;
}

int count(const std::map<double, Tally>& t) {
  int n = 0;
  for (const auto& [x, e] : t) n += e.n;
  return n;
}

double snap(const Axis& a, double v) { return a.integer ? std::round(v) : v; }

// The bracket along a line whose ends disagree: a = the largest x with lo's
// verdict below b = the smallest x with the other one. None when the ends
// agree.
struct Bracket {
  double a = 0, b = 0;
  bool side = false;  // lo's verdict
};
std::optional<Bracket> bracket(const Spec& s, const std::map<double, Tally>& t) {
  const auto lo = t.find(s.x.lo), hi = t.find(s.x.hi);
  if (lo == t.end() || hi == t.end()) return std::nullopt;
  const bool side = lo->second.verdict();
  if (hi->second.verdict() == side) return std::nullopt;
  double b = s.x.hi;
  for (const auto& [x, e] : t)
    if (e.verdict() != side) {
      b = x;
      break;
    }
  double a = s.x.lo;
  for (const auto& [x, e] : t)
    if (x < b && e.verdict() == side) a = x;
  return Bracket{a, b, side};
}

// The next point of one line within `allowance` runs, or none.
std::optional<double> next_on_line(const Spec& s, const std::map<double, Tally>& t, int allowance) {
  if (count(t) >= allowance) return std::nullopt;
  const int repeat = std::max(1, s.repeat);
  auto runs_at = [&](double x) {
    const auto it = t.find(x);
    return it == t.end() ? 0 : it->second.n;
  };
  if (runs_at(s.x.lo) == 0) return s.x.lo;
  if (runs_at(s.x.hi) == 0) return s.x.hi;
  const auto br = bracket(s, t);
  if (!br) {
    // The ends agree: confirm them, then there is no boundary in the range.
    for (double x : {s.x.lo, s.x.hi})
      if (runs_at(x) < repeat) return x;
    return std::nullopt;
  }
  const double mid = snap(s.x, (br->a + br->b) / 2);
  if (br->b - br->a > resolution(s.x) && mid > br->a && mid < br->b) return mid;
  // Converged: the two points bracketing the boundary, `repeat` runs each.
  for (double x : {br->a, br->b})
    if (runs_at(x) < repeat) return x;
  return std::nullopt;
}

double softplus(double z) { return z > 30 ? z : std::log1p(std::exp(z)); }

}  // namespace

double resolution(const Axis& a) { return a.integer ? 1.0 : (a.hi - a.lo) / 64; }

std::vector<double> line_values(const Spec& s) {
  if (!s.y) return {0};
  std::vector<double> out;
  const int n = std::max(1, s.lines);
  for (int i = 0; i < n; ++i) {
    const double v = snap(*s.y, n == 1 ? s.y->lo : s.y->lo + (s.y->hi - s.y->lo) * i / (n - 1));
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

std::optional<Point> next_point(const Spec& s, const std::vector<Observation>& obs) {
  const auto ys = line_values(s);
  int left = s.budget - static_cast<int>(obs.size());
  if (left <= 0) return std::nullopt;
  // Lines in order, each with an equal share of what the lines before it
  // left: a line that converges early gives its runs to the next ones.
  int spent_before = 0;
  for (size_t i = 0; i < ys.size(); ++i) {
    const auto t = tally(obs, ys[i]);
    const int used = count(t);
    const int lines_left = static_cast<int>(ys.size() - i);
    // Rounded up, so that a budget smaller than the lines still starts the first.
    const int share = (s.budget - spent_before + lines_left - 1) / lines_left;
    const int allowance = std::min(used + left, share);
    if (auto x = next_on_line(s, t, allowance)) return Point{*x, ys[i]};
    spent_before += used;
  }
  return std::nullopt;
}

Boundary estimate_boundary(const Spec& s, double y, const std::vector<Observation>& obs) {
  Boundary b;
  const auto t = tally(obs, y);
  b.runs = count(t);
  if (t.empty()) return b;
  if (!t.count(s.x.lo) || !t.count(s.x.hi)) {
    b.kind = Boundary::Kind::kOpen;
    return b;
  }
  const auto br = bracket(s, t);
  if (!br) {
    // The ends agree: the verdict of what was run.
    int good = 0;
    for (const auto& [x, e] : t) good += e.verdict() ? 1 : 0;
    b.kind = 2 * good >= static_cast<int>(t.size()) ? Boundary::Kind::kAllGood : Boundary::Kind::kAllBad;
    return b;
  }
  b.kind = Boundary::Kind::kFound;
  b.good_below = br->side;
  b.last_good = br->side ? br->a : br->b;
  b.first_bad = br->side ? br->b : br->a;

  // P(recover | x) = 1 / (1 + exp(d (x - m) / w)), d = +1 when recovering
  // below. The log-likelihood profiled over the width w (log-spaced from a
  // thousandth of the range, where a clean bracket is a step, to the range).
  const double range = s.x.hi - s.x.lo;
  const double d = b.good_below ? 1 : -1;
  constexpr int kM = 801, kW = 60;
  std::vector<double> ms(kM), ll(kM, -std::numeric_limits<double>::infinity());
  for (int i = 0; i < kM; ++i) ms[i] = s.x.lo + range * i / (kM - 1);
  for (int i = 0; i < kM; ++i)
    for (int j = 0; j < kW; ++j) {
      const double w = range * 1e-3 * std::pow(1e3, static_cast<double>(j) / (kW - 1));
      double l = 0;
      for (const auto& [x, e] : t) {
        const double z = d * (x - ms[i]) / w;
        l -= e.good * softplus(z) + (e.n - e.good) * softplus(-z);
      }
      ll[i] = std::max(ll[i], l);
    }
  const double best = *std::max_element(ll.begin(), ll.end());
  // The estimate: the middle of the midpoints as likely as the best (a clean
  // bracket leaves a plateau between its points).
  double plo = s.x.hi, phi = s.x.lo, clo = s.x.hi, chi = s.x.lo;
  for (int i = 0; i < kM; ++i) {
    if (ll[i] >= best - 1e-3) plo = std::min(plo, ms[i]), phi = std::max(phi, ms[i]);
    if (2 * (best - ll[i]) <= 3.841) clo = std::min(clo, ms[i]), chi = std::max(chi, ms[i]);
  }
  b.estimate = (plo + phi) / 2;
  b.ci_lo = clo;
  b.ci_hi = chi;
  return b;
}

}  // namespace faultline::experiment::explore
