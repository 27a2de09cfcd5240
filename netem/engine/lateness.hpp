// SPDX-License-Identifier: Apache-2.0
// How late the engine releases packets (actual send time - due time): the
// engine's own timing error, without the veths and sockets around it.
// 1 us buckets up to 2 ms, then 2 ms buckets up to 64 ms; bounded memory and
// an O(1) record on the fast path.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

namespace faultline::netem::engine {

class LatenessHistogram {
 public:
  void record(int64_t late_ns) {
    if (late_ns < 0) late_ns = 0;
    const auto us = static_cast<uint64_t>(late_ns / 1000);
    const size_t b = us < kFine ? static_cast<size_t>(us)
                                : kFine + std::min<size_t>(static_cast<size_t>((us - kFine) / 2000), kCoarse - 1);
    ++buckets_[b];
    ++count_;
    max_ns_ = std::max(max_ns_, late_ns);
  }

  // Upper bound of the bucket holding quantile q, in ns (max for q >= 1).
  int64_t quantile_ns(double q) const {
    if (count_ == 0) return 0;
    if (q >= 1.0) return max_ns_;
    const auto rank = static_cast<uint64_t>(q * static_cast<double>(count_));
    uint64_t seen = 0;
    for (size_t b = 0; b < buckets_.size(); ++b) {
      seen += buckets_[b];
      if (seen > rank) {
        const int64_t hi = b < kFine ? static_cast<int64_t>(b + 1) * 1000
                                     : (kFine + static_cast<int64_t>(b - kFine + 1) * 2000) * 1000;
        return std::min(hi, max_ns_);
      }
    }
    return max_ns_;
  }

  uint64_t count() const { return count_; }
  void reset() { *this = LatenessHistogram{}; }

 private:
  static constexpr size_t kFine = 2000, kCoarse = 32;
  std::array<uint64_t, kFine + kCoarse> buckets_{};
  uint64_t count_ = 0;
  int64_t max_ns_ = 0;
};

}  // namespace faultline::netem::engine
