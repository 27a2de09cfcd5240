// SPDX-License-Identifier: Apache-2.0
#include "workloads/loadgen/mix.hpp"

#include <algorithm>

namespace faultline::workloads::loadgen {

RequestMix::RequestMix(const std::vector<spec::RequestKind>& kinds) {
  uint64_t sum = 0;
  for (const auto& k : kinds) {
    if (k.weight == 0) continue;
    sum += k.weight;
    paths_.push_back(k.path);
    cumulative_.push_back(sum);
  }
  if (paths_.empty()) {
    paths_.push_back("/");
    cumulative_.push_back(1);
  }
}

size_t RequestMix::pick(policy::Rng& rng) const {
  if (paths_.size() == 1) return 0;
  const uint64_t x = rng.below(cumulative_.back());
  // The first kind whose running sum exceeds x.
  return static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), x) - cumulative_.begin());
}

}  // namespace faultline::workloads::loadgen
