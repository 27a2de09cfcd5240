// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/impairment_model.hpp"

#include <algorithm>
#include <cmath>

namespace faultline::netem::engine {

uint32_t ppm_to_u32(uint32_t ppm) {
  if (ppm >= kPpmMax) return UINT32_MAX;
  return static_cast<uint32_t>((static_cast<uint64_t>(ppm) << 32) / kPpmMax);
}

uint32_t CorrelatedUniform::next(Rng& rng) {
  const uint32_t value = rng.next32();
  if (rho_ == 0) return value;
  const uint64_t rho = static_cast<uint64_t>(rho_) + 1;
  const uint64_t answer = (static_cast<uint64_t>(value) * ((1ull << 32) - rho) +
                           static_cast<uint64_t>(last_) * rho) >> 32;
  last_ = static_cast<uint32_t>(answer);
  return last_;
}

double quantile_normal(double p) {
  // Acklam's rational approximation of the inverse normal CDF: relative error
  // below 1.2e-9, far finer than netem's 4096-entry table.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01, -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double lo = 0.02425, hi = 1 - lo;
  if (p < lo) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > hi) {
    const double q = std::sqrt(-2 * std::log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

double quantile_pareto(double u) {
  // iproute2's pareto.c: x = U^(-1/3) (Pareto, alpha 3, mean 1.5), centred and
  // scaled by 4/3, capped at 32767/8192 = 4.0 by the table's 16-bit entries.
  const double x = (std::pow(1.0 - u, -1.0 / 3.0) - 1.5) * (4.0 / 3.0);
  return std::min(x, 4.0);
}

double cdf_normal(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double quantile_paretonormal(double u) {
  return 0.25 * quantile_normal(u) + 0.75 * quantile_pareto(u);
}

void ImpairmentModel::set(const Impairment& imp) {
  imp_ = imp;
  dup_thr_ = ppm_to_u32(imp.duplicate_ppm);
  loss_thr_ = ppm_to_u32(imp.loss_ppm);
  corrupt_thr_ = ppm_to_u32(imp.corrupt_ppm);
  reorder_thr_ = ppm_to_u32(imp.reorder_ppm);
  ge_p_ = ppm_to_u32(imp.gilbert.p_ppm);
  ge_r_ = ppm_to_u32(imp.gilbert.r_ppm);
  ge_h_ = ppm_to_u32(imp.gilbert.h_ppm);
  ge_k_ = ppm_to_u32(imp.gilbert.k_ppm);
  // The Impairment type has loss and delay correlations only: duplicate,
  // corrupt and reorder draw uncorrelated.
  const double p = imp.loss_ppm / 1e6, rho = imp.loss_correlation_ppm / 1e6;
  auto to_u32 = [](double x) {
    return x >= 1.0 ? UINT32_MAX : static_cast<uint32_t>(std::max(0.0, x) * 4294967296.0);
  };
  loss_after_loss_ = to_u32(rho + (1 - rho) * p);
  loss_after_pass_ = to_u32((1 - rho) * p);
  delay_rho_ = imp.delay_correlation_ppm / 1e6;
}

bool ImpairmentModel::loss_event(Rng& rng) {
  if (imp_.loss_model == LossModel::kGilbertElliott) {
    // netem loss_gilb_ell(): the transition and the loss draw are both taken;
    // the loss probability is that of the state the packet found.
    if (!ge_bad_) {
      if (rng.next32() < ge_p_) ge_bad_ = true;
      return rng.next32() < ge_k_;
    }
    if (rng.next32() < ge_r_) ge_bad_ = false;
    return rng.next32() > ge_h_;
  }
  if (imp_.loss_ppm == 0) return false;
  if (imp_.loss_correlation_ppm == 0) return loss_thr_ >= rng.next32();  // netem's test, bit for bit
  last_lost_ = rng.next32() < (last_lost_ ? loss_after_loss_ : loss_after_pass_);
  return last_lost_;
}

int64_t ImpairmentModel::sample_delay(Rng& rng) {
  const int64_t mu = imp_.delay_ns, sigma = imp_.jitter_ns;
  if (sigma <= 0) return std::max<int64_t>(mu, 0);
  const uint32_t rnd = rng.next32();
  double u = (static_cast<double>(rnd) + 0.5) / 4294967296.0;
  if (delay_rho_ > 0) {
    delay_z_ = delay_rho_ * delay_z_ + std::sqrt(1 - delay_rho_ * delay_rho_) * quantile_normal(u);
    u = std::clamp(cdf_normal(delay_z_), 1e-12, 1 - 1e-12);
  }
  int64_t d;
  if (imp_.jitter_dist == JitterDist::kUniform) {
    // netem: (rnd % 2sigma) + mu - sigma, i.e. uniform on [mu - sigma, mu + sigma).
    const auto span = static_cast<unsigned __int128>(2 * sigma);
    const uint64_t r = delay_rho_ > 0 ? static_cast<uint64_t>(u * 4294967296.0) : rnd;
    d = mu - sigma + static_cast<int64_t>((span * r) >> 32);
  } else {
    double t = 0;
    switch (imp_.jitter_dist) {
      case JitterDist::kNormal: t = quantile_normal(u); break;
      case JitterDist::kPareto: t = quantile_pareto(u); break;
      case JitterDist::kParetoNormal: t = quantile_paretonormal(u); break;
      case JitterDist::kUniform: break;
    }
    d = mu + static_cast<int64_t>(std::llround(static_cast<double>(sigma) * t));
  }
  // netem lets a negative delay mean "due now"; so do we.
  return std::max<int64_t>(d, 0);
}

Decision ImpairmentModel::decide(Rng& rng, bool allow_duplicate) {
  Decision d;
  bool dup = false;
  if (allow_duplicate && imp_.duplicate_ppm != 0 && dup_thr_ >= dup_cor_.next(rng)) dup = true;
  const bool lost = loss_event(rng);
  // netem counts copies: a duplicated packet that is also lost still leaves
  // one copy, and that one is not duplicated again.
  if (lost && !dup) {
    d.lost = true;
    return d;
  }
  d.duplicate = dup && !lost;
  if (imp_.corrupt_ppm != 0 && corrupt_thr_ >= corrupt_cor_.next(rng)) {
    d.corrupt = true;
    d.corrupt_pick = rng.next64();
  }
  // netem with a reorder probability and gap 1 (tc's default): the packet is
  // delayed when the draw exceeds the probability, else sent at once.
  if (imp_.reorder_ppm != 0 && !(reorder_thr_ < reorder_cor_.next(rng))) {
    d.reorder = true;
    return d;
  }
  d.delay_ns = sample_delay(rng);
  return d;
}

}  // namespace faultline::netem::engine
