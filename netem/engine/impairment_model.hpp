// SPDX-License-Identifier: Apache-2.0
// Per-packet decisions of one pipe, following kernel netem's netem_enqueue():
// duplicate, loss, corrupt, reorder, delay, in that order, each drawn from the
// pipe's generator only when the feature is on. Pure logic: no clock, no I/O,
// so unit tests drive it with a seeded Rng.
#pragma once

#include <cstdint>

#include "netem/engine/rng.hpp"
#include "netem/impairment.hpp"

namespace faultline::netem::engine {

struct Decision {
  bool lost = false;
  bool duplicate = false;    // deliver a second copy (which gets its own decision)
  bool corrupt = false;
  uint64_t corrupt_pick = 0; // chooses the byte and bit to flip
  bool reorder = false;      // sent at once, ahead of the delayed packets
  int64_t delay_ns = 0;      // propagation delay (>= 0); 0 when reordered
};

// netem compares a 32-bit random number against a probability scaled to 2^32.
uint32_t ppm_to_u32(uint32_t ppm);

// netem's correlated uniform generator (get_crandom): the next value is a
// weighted mean of a fresh draw and the previous value. netem applies it to
// every probability; it is known to shrink the spread of the values, so a
// correlated "loss 10% 75%" loses almost nothing. It is kept here for the
// probabilities that have no correlation field of their own (always 0 today)
// and as the reference the tests compare against; loss and delay correlation
// use the mean-preserving models in ImpairmentModel instead.
class CorrelatedUniform {
 public:
  void set_correlation_ppm(uint32_t ppm) { rho_ = ppm_to_u32(ppm); }
  uint32_t next(Rng& rng);

 private:
  uint32_t rho_ = 0;
  uint32_t last_ = 0;
};

// The quantile functions behind netem's distribution tables, evaluated
// directly instead of through a 4096-entry table. u is in (0, 1); the result
// is in units of sigma (jitter), centred on 0 like netem's tables.
double quantile_normal(double u);
double quantile_pareto(double u);        // iproute2 pareto: alpha 3, centred, x4/3, cap 4
double quantile_paretonormal(double u);  // 25% normal + 75% pareto, comonotone
double cdf_normal(double z);

class ImpairmentModel {
 public:
  explicit ImpairmentModel(const Impairment& imp = {}) { set(imp); }

  // A live change: new thresholds from the next packet on. Correlation memory
  // and the Gilbert-Elliott state carry over, as in netem's change().
  void set(const Impairment& imp);
  const Impairment& impairment() const { return imp_; }

  // allow_duplicate is false for the copy of a duplicated packet (netem
  // re-enqueues the copy with duplication switched off).
  Decision decide(Rng& rng, bool allow_duplicate = true);

  // Exposed for tests.
  bool loss_event(Rng& rng);
  int64_t sample_delay(Rng& rng);
  bool gilbert_bad() const { return ge_bad_; }

 private:
  Impairment imp_;
  uint32_t dup_thr_ = 0, loss_thr_ = 0, corrupt_thr_ = 0, reorder_thr_ = 0;
  uint32_t ge_p_ = 0, ge_r_ = 0, ge_h_ = 0, ge_k_ = 0;
  CorrelatedUniform dup_cor_, corrupt_cor_, reorder_cor_;
  bool ge_bad_ = false;
  // Correlated random loss: a two-state chain whose stationary loss rate is
  // loss_ppm and whose lag-1 correlation is loss_correlation_ppm.
  uint32_t loss_after_loss_ = 0, loss_after_pass_ = 0;
  bool last_lost_ = false;
  // Correlated delay: a Gaussian AR(1) process mapped through the normal CDF
  // to a uniform, then through the jitter distribution's quantile (a Gaussian
  // copula), so the delay distribution stays what was configured.
  double delay_rho_ = 0;
  double delay_z_ = 0;
};

}  // namespace faultline::netem::engine
