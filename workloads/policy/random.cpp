// SPDX-License-Identifier: Apache-2.0
#include "workloads/policy/random.hpp"

#include <cmath>
#include <numbers>

namespace faultline::workloads::policy {

Rng::Rng(uint64_t seed) : seed_(seed), x_(seed) {}

Rng Rng::fork(uint64_t stream_id) const {
  // Hash (seed, stream) into a new seed; a different odd constant than
  // splitmix's increment keeps fork(0) apart from the parent itself.
  uint64_t h = stream_id * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL;
  uint64_t mixed = seed_ ^ splitmix64(h);
  return Rng(splitmix64(mixed));
}

double Rng::exponential(double mean) {
  if (mean <= 0) return 0;
  // 1 - U is in (0, 1]: log never sees 0.
  return -mean * std::log(1.0 - uniform01());
}

double Rng::normal() {
  // Box-Muller, one of the pair: no cached state to reason about.
  const double u1 = 1.0 - uniform01();  // (0, 1]
  const double u2 = uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

namespace {

int64_t clamp_ns(double v) {
  if (!(v > 0)) return 0;  // also NaN
  if (v >= static_cast<double>(Rng::kMaxSampleNs)) return Rng::kMaxSampleNs;
  return std::llround(v);
}

}  // namespace

int64_t Rng::sample(const spec::DurationDist& d) {
  using K = spec::DurationDist::Kind;
  const double mean = static_cast<double>(d.mean_ns);
  const double param = static_cast<double>(d.param_ns);
  switch (d.kind) {
    case K::kConstant:
      return std::max<int64_t>(0, d.mean_ns);
    case K::kExponential:
      return clamp_ns(exponential(mean));
    case K::kLognormal: {
      if (mean <= 0) return 0;
      // For X = exp(N(mu, sigma^2)): E[X] = exp(mu + sigma^2/2) and
      // Var[X] = (exp(sigma^2) - 1) E[X]^2, so
      // sigma^2 = ln(1 + (sd/mean)^2), mu = ln(mean) - sigma^2/2.
      const double cv = param / mean;
      const double sigma2 = std::log1p(cv * cv);
      const double mu = std::log(mean) - sigma2 / 2;
      return clamp_ns(std::exp(mu + std::sqrt(sigma2) * normal()));
    }
    case K::kPareto: {
      const double alpha = d.shape;
      if (!(alpha > 0)) return clamp_ns(mean);
      double xm = param;
      if (xm <= 0) xm = alpha > 1 ? mean * (alpha - 1) / alpha : mean;
      // Inverse CDF: F(x) = 1 - (xm/x)^alpha, so x = xm * U^(-1/alpha), U in (0, 1].
      const double u = 1.0 - uniform01();
      return clamp_ns(xm * std::pow(u, -1.0 / alpha));
    }
    case K::kUniform:
      return clamp_ns(mean - param + 2.0 * param * uniform01());
    case K::kNormal:
      return clamp_ns(mean + param * normal());
  }
  return 0;
}

}  // namespace faultline::workloads::policy
