// SPDX-License-Identifier: Apache-2.0
#include "workloads/policy/retry_budget.hpp"

namespace faultline::workloads::policy {

namespace {
constexpr int64_t kSliceNs = RetryBudget::kTtlNs / RetryBudget::kSlices;

// Floor division: the monotonic clock may be below 0 in tests.
int64_t slice_of(int64_t ns) { return ns >= 0 ? ns / kSliceNs : -((-ns + kSliceNs - 1) / kSliceNs); }

size_t slot_of(int64_t slice) {
  const int64_t m = slice % RetryBudget::kSlices;
  return static_cast<size_t>(m < 0 ? m + RetryBudget::kSlices : m);
}
}  // namespace

RetryBudget::RetryBudget(uint32_t ratio_ppm, uint32_t min_per_s, const Clock& clock)
    : ratio_ppm_(ratio_ppm),
      reserve_ppm_(static_cast<int64_t>(min_per_s) * (kTtlNs / 1'000'000'000) * kUnit),
      clock_(clock),
      current_slice_(slice_of(clock.now_ns())) {}

void RetryBudget::roll(int64_t now_ns) const {
  const int64_t now_slice = slice_of(now_ns);
  if (now_slice <= current_slice_) return;  // same slice (or the clock stood still)
  if (now_slice - current_slice_ >= kSlices) {
    slices_.fill(0);
    sum_ = 0;
  } else {
    for (int64_t s = current_slice_ + 1; s <= now_slice; ++s) {
      auto& slot = slices_[slot_of(s)];
      sum_ -= slot;
      slot = 0;
    }
  }
  current_slice_ = now_slice;
}

void RetryBudget::on_request() {
  ++counters_.deposits;
  if (!enabled()) return;
  roll(clock_.now_ns());
  slices_[slot_of(current_slice_)] += ratio_ppm_;
  sum_ += ratio_ppm_;
}

bool RetryBudget::try_withdraw() {
  if (!enabled()) {
    ++counters_.withdrawals;
    return true;
  }
  roll(clock_.now_ns());
  if (reserve_ppm_ + sum_ < kUnit) {
    ++counters_.rejections;
    return false;
  }
  slices_[slot_of(current_slice_)] -= kUnit;
  sum_ -= kUnit;
  ++counters_.withdrawals;
  return true;
}

int64_t RetryBudget::balance_ppm() const {
  roll(clock_.now_ns());
  return reserve_ppm_ + sum_;
}

}  // namespace faultline::workloads::policy
