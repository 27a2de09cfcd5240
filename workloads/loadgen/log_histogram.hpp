// SPDX-License-Identifier: Apache-2.0
// A compact log-linear histogram of durations in ns (32 buckets per power
// of two, so a percentile is off by at most ~3%), for the summary the load
// generator prints at exit: the scheduling lag and latency percentiles of a
// whole run without keeping every sample. Prometheus histograms have too
// few buckets to tell a 20 us lag from a 40 us one.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace faultline::workloads::loadgen {

class LogHistogram {
 public:
  void record(int64_t ns) {
    const uint64_t v = ns < 0 ? 0 : static_cast<uint64_t>(ns);
    ++counts_[index(v)];
    ++count_;
    sum_ += static_cast<double>(v);
    max_ = std::max(max_, v);
  }

  uint64_t count() const { return count_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  uint64_t max() const { return max_; }

  // The smallest bucket bound below which a fraction q of the samples lie.
  uint64_t percentile(double q) const {
    if (count_ == 0) return 0;
    const auto want = static_cast<uint64_t>(q * static_cast<double>(count_ - 1)) + 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= want) return std::min(upper(i), max_);
    }
    return max_;
  }

 private:
  static constexpr int kSubBits = 5;  // 32 sub-buckets per octave
  static constexpr uint64_t kLinear = uint64_t{2} << kSubBits;  // values below are exact
  static constexpr size_t kBuckets = kLinear + (64 - kSubBits - 1) * (size_t{1} << kSubBits);

  static size_t index(uint64_t v) {
    if (v < kLinear) return static_cast<size_t>(v);
    const int e = std::bit_width(v) - 1;  // >= kSubBits + 1
    const uint64_t sub = (v >> (e - kSubBits)) & ((uint64_t{1} << kSubBits) - 1);
    return static_cast<size_t>(kLinear + static_cast<uint64_t>(e - kSubBits - 1) * (uint64_t{1} << kSubBits) + sub);
  }
  // The largest value that falls in bucket i.
  static uint64_t upper(size_t i) {
    if (i < kLinear) return i;
    const uint64_t j = i - kLinear;
    const int e = static_cast<int>(j >> kSubBits) + kSubBits + 1;
    const uint64_t sub = j & ((uint64_t{1} << kSubBits) - 1);
    const uint64_t lo = (uint64_t{1} << e) + (sub << (e - kSubBits));
    return lo + (uint64_t{1} << (e - kSubBits)) - 1;
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  double sum_ = 0;
  uint64_t max_ = 0;
};

}  // namespace faultline::workloads::loadgen
