// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/lint/retrying.hpp"

#include <algorithm>
#include <cmath>

namespace faultline::lint {

Retrying retrying_of(const model::Call& c) {
  return {c.timeout_ns, c.retries, c.backoff, c.budget_ppm, c.budget_min_per_s, c.throttle};
}

Retrying retrying_of(const model::Load& l) {
  return {l.timeout_ns, l.retries, l.backoff, l.budget_ppm, l.budget_min_per_s, l.throttle};
}

namespace {

using Kind = model::Backoff::Kind;
using Jitter = model::Backoff::Jitter;

// The delay before jitter (policy::Backoff::plain_ns).
double plain_ns(const model::Backoff& b, uint32_t retry) {
  const double base = static_cast<double>(std::max<int64_t>(0, b.base_ns));
  if (b.kind == Kind::kConstant) return base;
  const double cap = std::max(static_cast<double>(b.cap_ns), base);
  return std::min(cap, base * std::pow(std::max(1.0, b.multiplier), std::max<uint32_t>(retry, 1) - 1.0));
}

// Decorrelated jitter draws from [base, 3 x the previous draw], capped.
double decorrelated_max_ns(const model::Backoff& b, uint32_t retry) {
  const double base = static_cast<double>(std::max<int64_t>(0, b.base_ns));
  const double cap = std::max(static_cast<double>(b.cap_ns), base);
  return std::min(cap, base * std::pow(3.0, std::max<uint32_t>(retry, 1)));
}

}  // namespace

int64_t max_backoff_ns(const model::Backoff& b, uint32_t retry) {
  if (b.kind == Kind::kNone) return 0;
  if (b.jitter == Jitter::kDecorrelated) return static_cast<int64_t>(decorrelated_max_ns(b, retry));
  return static_cast<int64_t>(plain_ns(b, retry));
}

double mean_backoff_ns(const model::Backoff& b, uint32_t retry) {
  if (b.kind == Kind::kNone) return 0;
  const double d = plain_ns(b, retry);
  switch (b.jitter) {
    case Jitter::kNone: return d;
    case Jitter::kFull: return d / 2;
    case Jitter::kEqual: return 0.75 * d;
    case Jitter::kDecorrelated: {
      const double base = static_cast<double>(std::max<int64_t>(0, b.base_ns));
      return (base + decorrelated_max_ns(b, retry)) / 2;
    }
  }
  return d;
}

int64_t worst_case_ns(const Retrying& r) {
  int64_t t = r.timeout_ns * static_cast<int64_t>(r.attempts());
  for (uint32_t n = 1; n <= r.retries; ++n) t += max_backoff_ns(r.backoff, n);
  return t;
}

uint32_t attempts_within(const Retrying& r, int64_t budget_ns) {
  int64_t used = 0;
  uint32_t k = 0;
  while (k < r.attempts()) {
    const int64_t next = used + (k > 0 ? max_backoff_ns(r.backoff, k) : 0) + r.timeout_ns;
    if (next > budget_ns) break;
    used = next;
    ++k;
  }
  return k;
}

double capped_attempts(const Retrying& r, double calls_per_s) {
  double cap = r.attempts();
  if (r.retries == 0) return cap;
  // Without a rate the budget's floor (budget_min per second) is unbounded.
  if (r.budget_ppm > 0 && calls_per_s > 0) cap = std::min(cap, 1 + r.budget_ppm / 1e6 + r.budget_min_per_s / calls_per_s);
  if (r.throttle.max_tokens > 0) cap = 1;
  return cap;
}

double expected_attempts(const Retrying& r, double fail, double calls_per_s) {
  fail = std::clamp(fail, 0.0, 1.0);
  if (r.throttle.max_tokens > 0 && fail > r.throttle.token_ratio / (1 + r.throttle.token_ratio)) return 1;
  double sum = 0, p = 1;
  for (uint32_t k = 0; k < r.attempts(); ++k, p *= fail) sum += p;
  if (r.budget_ppm > 0 && r.retries > 0 && calls_per_s > 0)
    sum = std::min(sum, 1 + r.budget_ppm / 1e6 + r.budget_min_per_s / calls_per_s);
  return sum;
}

}  // namespace faultline::lint
