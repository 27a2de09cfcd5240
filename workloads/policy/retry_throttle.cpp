// SPDX-License-Identifier: Apache-2.0
#include "workloads/policy/retry_throttle.hpp"

#include <algorithm>
#include <cmath>

namespace faultline::workloads::policy {

RetryThrottle::RetryThrottle(const spec::RetryThrottle& config)
    : max_milli_(static_cast<int64_t>(config.max_tokens) * 1000),
      ratio_milli_(std::max<int64_t>(0, std::llround(config.token_ratio * 1000.0))),
      tokens_milli_(max_milli_) {}

void RetryThrottle::on_success() { tokens_milli_ = std::min(max_milli_, tokens_milli_ + ratio_milli_); }

void RetryThrottle::on_failure() { tokens_milli_ = std::max<int64_t>(0, tokens_milli_ - 1000); }

bool RetryThrottle::allows_retry() {
  if (!enabled()) return true;
  // tokens > max/2, in thousandths: 2 * tokens > max keeps it exact for odd max.
  if (2 * tokens_milli_ > max_milli_) return true;
  ++throttled_;
  return false;
}

}  // namespace faultline::workloads::policy
