// SPDX-License-Identifier: Apache-2.0
// The request mix of a load: which path each request asks for, drawn by
// weight (node.load.mix).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/spec/types.hpp"
#include "workloads/policy/random.hpp"

namespace faultline::workloads::loadgen {

class RequestMix {
 public:
  // Kinds of weight 0 are never drawn; an empty mix (or all weights 0)
  // asks for "/".
  explicit RequestMix(const std::vector<spec::RequestKind>& kinds);

  // The index of the drawn kind; path(i) is its path.
  size_t pick(policy::Rng& rng) const;
  const std::string& path(size_t i) const { return paths_[i]; }
  size_t size() const { return paths_.size(); }

 private:
  std::vector<std::string> paths_;
  std::vector<uint64_t> cumulative_;  // running sums of the weights
};

}  // namespace faultline::workloads::loadgen
