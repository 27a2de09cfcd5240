// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/lint/queueing.hpp"

#include <cmath>

namespace faultline::lint {

double erlang_c(uint32_t c, double a) {
  if (c == 0 || !(a > 0)) return 0;
  if (a >= c) return 1;
  // Erlang B: B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)); then
  // C = c B / (c - a (1 - B)).
  double b = 1;
  for (uint32_t k = 1; k <= c; ++k) b = a * b / (k + a * b);
  return c * b / (c - a * (1 - b));
}

double mmc_response_tail(double lambda, double mu, uint32_t c, double t) {
  const double pw = erlang_c(c, lambda / mu);
  const double theta = c * mu - lambda;  // the rate at which a waiting request's wait ends
  const double served = std::exp(-mu * t);
  // P(W + S > t) with W ~ Exp(theta), S ~ Exp(mu): (theta e^-mu t - mu e^-theta t) / (theta - mu),
  // whose limit at theta = mu is e^-mu t (1 + mu t).
  const double waited = std::abs(theta - mu) < 1e-9 * mu ? served * (1 + mu * t)
                                                         : (theta * served - mu * std::exp(-theta * t)) / (theta - mu);
  return (1 - pw) * served + pw * waited;
}

double mmc_response_quantile(double lambda, double mu, uint32_t c, double q) {
  const double tail = 1 - q;
  double lo = 0, hi = 1 / mu;
  while (mmc_response_tail(lambda, mu, c, hi) > tail) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    (mmc_response_tail(lambda, mu, c, mid) > tail ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

std::optional<MmcFigures> mmc(double lambda, double mu, uint32_t c) {
  if (!(mu > 0) || !std::isfinite(mu) || !(lambda >= 0) || !std::isfinite(lambda) || c == 0) return std::nullopt;
  if (lambda >= c * mu) return std::nullopt;
  MmcFigures f;
  if (lambda == 0) {
    f.mean_s = 1 / mu;
    f.p50_s = std::log(2.0) / mu;
    f.p99_s = -std::log(0.01) / mu;
    return f;
  }
  f.wait_probability = erlang_c(c, lambda / mu);
  f.mean_wait_s = f.wait_probability / (c * mu - lambda);
  f.mean_s = f.mean_wait_s + 1 / mu;
  f.p50_s = mmc_response_quantile(lambda, mu, c, 0.5);
  f.p99_s = mmc_response_quantile(lambda, mu, c, 0.99);
  return f;
}

}  // namespace faultline::lint
