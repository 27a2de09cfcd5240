// SPDX-License-Identifier: Apache-2.0
// gRPC retry throttling (gRFC A6, "Retry throttling",
// https://github.com/grpc/proposal/blob/master/A6-client-retries.md): a
// token bucket per downstream. It starts full at max_tokens; each failed
// call takes one token (not below 0), each success gives token_ratio back
// (not above max_tokens). Retries and hedges are sent only while
// tokens > max_tokens / 2. As in gRPC, tokens are kept in thousandths
// (token_ratio has at most 3 decimals there), so the arithmetic is exact.
// max_tokens 0: throttling off.
//
// Not synchronised: one owner uses it.
#pragma once

#include <cstdint>

#include "workloads/spec/types.hpp"

namespace faultline::workloads::policy {

class RetryThrottle {
 public:
  explicit RetryThrottle(const spec::RetryThrottle& config);

  void on_success();
  void on_failure();
  // True when a retry (or hedge) may be sent now. Counts refusals.
  bool allows_retry();

  bool enabled() const { return max_milli_ != 0; }
  double tokens() const { return static_cast<double>(tokens_milli_) / 1000.0; }
  uint64_t throttled() const { return throttled_; }

 private:
  int64_t max_milli_;
  int64_t ratio_milli_;
  int64_t tokens_milli_;
  uint64_t throttled_ = 0;
};

}  // namespace faultline::workloads::policy
