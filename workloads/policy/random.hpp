// SPDX-License-Identifier: Apache-2.0
// The one source of randomness of a workload process: seeded, so a run with
// the same seed draws the same work times, errors, jitter and arrivals.
// xoshiro256** (Blackman and Vigna, https://prng.di.unimi.it/): fast, 256 bits
// of state, passes BigCrush; seeded through splitmix64 as its authors advise,
// so that close seeds (1, 2, 3) still give unrelated streams.
#pragma once

#include <cstdint>
#include <limits>

#include "base/random_core.hpp"
#include "workloads/spec/types.hpp"

namespace faultline::workloads::policy {

class Rng {
 public:
  // Also a UniformRandomBitGenerator, so <random> distributions accept it.
  using result_type = uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<uint64_t>::max(); }

  explicit Rng(uint64_t seed = 1);

  // An independent stream derived from this generator's seed and stream_id
  // only (not from how many numbers were drawn so far): e.g. one stream per
  // downstream or per worker, stable however the others are used.
  Rng fork(uint64_t stream_id) const;
  uint64_t seed() const { return seed_; }

  result_type operator()() { return next_u64(); }

  uint64_t next_u64() { return x_.next64(); }

  // Uniform in [0, 1), 53 random bits.
  double uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n); 0 when n is 0. Lemire's multiply-shift with
  // rejection: unbiased, and almost never divides.
  uint64_t below(uint64_t n) {
    if (n == 0) return 0;
    __uint128_t m = static_cast<__uint128_t>(next_u64()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<__uint128_t>(next_u64()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // True with probability ppm / 1e6 (>= 1e6: always).
  bool bernoulli_ppm(uint32_t ppm) { return below(1'000'000) < ppm; }

  // Exponential with the given mean (>= 0).
  double exponential(double mean);
  // Standard normal, N(0, 1).
  double normal();

  // A duration drawn from d, in ns; never negative (normal is clamped at 0)
  // and never above kMaxSampleNs (a heavy pareto tail cannot overflow).
  //   constant     mean_ns
  //   exponential  mean mean_ns
  //   lognormal    mean mean_ns, standard deviation param_ns (the underlying
  //                normal's mu and sigma are derived from them)
  //   pareto       scale xm = param_ns, shape alpha = shape; its mean is
  //                alpha * xm / (alpha - 1), which is mean_ns as the loader
  //                writes it ("pareto(mean, alpha)" sets xm = mean (alpha-1)/alpha).
  //                If param_ns is 0, xm is derived from mean_ns and alpha.
  //   uniform      mean_ns +- param_ns
  //   normal       mean mean_ns, standard deviation param_ns, clamped at 0
  int64_t sample(const spec::DurationDist& d);

  static constexpr int64_t kMaxSampleNs = int64_t{1} << 62;

 private:
  uint64_t seed_;
  Xoshiro256ss x_;
};

// splitmix64's output function: also handy for hashing a seed with a name.
using faultline::splitmix64;

}  // namespace faultline::workloads::policy
