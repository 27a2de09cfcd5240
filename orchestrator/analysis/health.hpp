// SPDX-License-Identifier: Apache-2.0
// A service's (or a call's) state in one window of time.
#pragma once

namespace faultline::analysis {

enum class Health {
  kUnknown,   // nothing to judge against (no baseline)
  kIdle,      // asked nothing: not degraded for want of demand
  kHealthy,
  kDegraded,
  kFailed,
};
const char* to_string(Health h);
// The one-letter code of summary.json's health strings.
char health_letter(Health h);
inline bool bad(Health h) { return h == Health::kDegraded || h == Health::kFailed; }

}  // namespace faultline::analysis
