// SPDX-License-Identifier: Apache-2.0
// One thing the lint found wrong with a configuration on paper: where it is
// (file:line:col), which check found it, what it is (naming the services and
// the numbers) and what would fix it, with the numbers also as named figures
// for scripts (--json) and tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/source_loc.hpp"

namespace faultline::lint {

// kWarning: a risk (utilisation at 80% or more, an SLO the prediction
// exceeds, amplification that multiplies); kCritical: certain trouble as
// configured (overload, retries that can never finish, a slip the run
// cannot honour). Neither stops a run: `--strict` turns any into exit 1.
enum class Severity { kWarning, kCritical };
const char* to_string(Severity s);

struct Finding {
  SourceLoc loc;
  std::string check;     // "capacity", "latency", "timeout-budget", "amplification", "metastability", "host-cpu", "memory", "slip"
  Severity severity = Severity::kWarning;
  std::string message;   // what is wrong, with the services and numbers
  std::string fix;       // what would fix it
  std::vector<std::string> services;
  std::vector<std::pair<std::string, double>> figures;

  // "file:line:col: warning: [capacity] message; fix: ..."
  std::string str() const;
  // A figure by name; NaN when absent.
  double figure(const std::string& name) const;
};

}  // namespace faultline::lint
