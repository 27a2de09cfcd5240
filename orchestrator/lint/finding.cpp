// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/lint/finding.hpp"

#include <limits>

namespace faultline::lint {

const char* to_string(Severity s) { return s == Severity::kCritical ? "critical" : "warning"; }

std::string Finding::str() const {
  return loc.str() + ": " + to_string(severity) + ": [" + check + "] " + message + (fix.empty() ? "" : "; fix: " + fix);
}

double Finding::figure(const std::string& name) const {
  for (const auto& [k, v] : figures)
    if (k == name) return v;
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace faultline::lint
