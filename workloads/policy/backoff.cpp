// SPDX-License-Identifier: Apache-2.0
#include "workloads/policy/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace faultline::workloads::policy {

namespace {

// A cap below the base would make the formulas undefined; treat it as the base.
int64_t effective_cap(const spec::Backoff& b) { return std::max(b.cap_ns, std::max<int64_t>(0, b.base_ns)); }

}  // namespace

Backoff::Backoff(const spec::Backoff& config) : cfg_(config), prev_ns_(std::max<int64_t>(0, config.base_ns)) {}

int64_t Backoff::plain_ns(uint32_t retry) const {
  const int64_t base = std::max<int64_t>(0, cfg_.base_ns);
  if (cfg_.kind == spec::Backoff::Kind::kConstant) return base;
  const int64_t cap = effective_cap(cfg_);
  // In double: base * multiplier^(n-1) overflows int64 long before n is large;
  // the comparison with the cap happens before converting back.
  const double d = static_cast<double>(base) * std::pow(std::max(1.0, cfg_.multiplier), retry - 1);
  if (!(d < static_cast<double>(cap))) return cap;
  return static_cast<int64_t>(d);
}

int64_t Backoff::next_ns(uint32_t retry, Rng& rng) {
  using J = spec::Backoff::Jitter;
  if (cfg_.kind == spec::Backoff::Kind::kNone) return 0;
  if (retry < 1) retry = 1;
  const int64_t base = std::max<int64_t>(0, cfg_.base_ns);
  if (cfg_.jitter == J::kDecorrelated) {
    if (retry == 1) prev_ns_ = base;  // a new sequence
    const int64_t hi = std::max(base, prev_ns_ > INT64_MAX / 3 ? INT64_MAX / 3 : prev_ns_ * 3);
    const int64_t d = base + static_cast<int64_t>(rng.below(static_cast<uint64_t>(hi - base) + 1));
    prev_ns_ = std::min(effective_cap(cfg_), d);
    return prev_ns_;
  }
  const int64_t d = plain_ns(retry);
  switch (cfg_.jitter) {
    case J::kNone:
      return d;
    case J::kFull:
      return static_cast<int64_t>(rng.below(static_cast<uint64_t>(d) + 1));
    case J::kEqual: {
      const int64_t half = d / 2;
      return (d - half) + static_cast<int64_t>(rng.below(static_cast<uint64_t>(half) + 1));
    }
    case J::kDecorrelated:
      break;  // handled above
  }
  return d;
}

}  // namespace faultline::workloads::policy
