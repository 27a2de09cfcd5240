// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/lint/flow.hpp"

#include <algorithm>
#include <cmath>

namespace faultline::lint {

namespace {

// Below this a level's requests are lost in rounding: the propagation stops.
constexpr double kNegligible = 1e-12;

double weight(const CallRef& c, double multiplier) { return c.call->probability_ppm / 1e6 * multiplier; }

}  // namespace

std::vector<double> propagate(const CallGraph& g, const std::vector<double>& injected, const Multiplier& m) {
  const auto& eps = g.endpoints();
  std::vector<double> total = injected, level = injected, next(eps.size());
  for (size_t depth = 0; depth < kMaxDepth; ++depth) {
    std::fill(next.begin(), next.end(), 0.0);
    double moved = 0;
    for (size_t e = 0; e < eps.size(); ++e) {
      if (!(level[e] > 0)) continue;
      for (size_t c = 0; c < eps[e].calls.size(); ++c) {
        const double r = level[e] * weight(eps[e].calls[c], m(e, c));
        next[eps[e].calls[c].callee] += r;
        moved += r;
      }
    }
    if (!(moved > kNegligible)) break;
    for (size_t e = 0; e < eps.size(); ++e) total[e] += next[e];
    level.swap(next);
  }
  return total;
}

std::vector<Path> heaviest_paths(const CallGraph& g, const std::vector<double>& injected, const Multiplier& m) {
  const auto& eps = g.endpoints();
  const size_t n = eps.size();
  constexpr size_t kNone = static_cast<size_t>(-1);
  // best[k][e]: the heaviest path of k calls ending at e; from[k][e] its previous endpoint.
  std::vector<std::vector<double>> best{std::vector<double>(n, 0.0)};
  std::vector<std::vector<size_t>> from{std::vector<size_t>(n, kNone)};
  for (size_t e = 0; e < n; ++e) best[0][e] = injected[e] > 0 ? 1.0 : 0.0;
  for (size_t depth = 1; depth < kMaxDepth; ++depth) {
    std::vector<double> b(n, 0.0);
    std::vector<size_t> f(n, kNone);
    bool any = false;
    for (size_t e = 0; e < n; ++e) {
      if (!(best.back()[e] > 0)) continue;
      for (size_t c = 0; c < eps[e].calls.size(); ++c) {
        const double w = best.back()[e] * weight(eps[e].calls[c], m(e, c));
        const size_t to = eps[e].calls[c].callee;
        if (w > b[to] && w > kNegligible) {
          b[to] = w;
          f[to] = e;
          any = true;
        }
      }
    }
    if (!any) break;
    best.push_back(std::move(b));
    from.push_back(std::move(f));
  }
  std::vector<Path> out(n);
  for (size_t e = 0; e < n; ++e) {
    size_t at_depth = kNone;
    for (size_t k = 0; k < best.size(); ++k)
      if (best[k][e] > out[e].product) {
        out[e].product = best[k][e];
        at_depth = k;
      }
    if (at_depth == kNone) continue;
    size_t at = e;
    for (size_t k = at_depth;; --k) {
      out[e].endpoints.push_back(at);
      if (k == 0) break;
      at = from[k][at];
    }
    std::reverse(out[e].endpoints.begin(), out[e].endpoints.end());
  }
  return out;
}

}  // namespace faultline::lint
