// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/lint/format.hpp"

#include <cmath>
#include <cstdio>

namespace faultline::lint {

namespace {

std::string with(const char* f, double v, const char* unit) {
  char b[64];
  std::snprintf(b, sizeof b, f, v, unit);
  return b;
}

}  // namespace

std::string fmt_num(double v) {
  if (!std::isfinite(v)) return v > 0 ? "infinite" : "undefined";
  char b[48];
  if (std::abs(v) >= 1000 && std::abs(v) < 1e7)
    std::snprintf(b, sizeof b, "%.0f", v);
  else
    std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

std::string fmt_s(double s) {
  if (!std::isfinite(s)) return fmt_num(s);
  const double a = std::abs(s);
  if (a == 0) return "0 s";
  if (a < 1e-3) return with("%.3g %s", s * 1e6, "us");
  if (a < 1) return with("%.3g %s", s * 1e3, "ms");
  if (a < 120) return with("%.3g %s", s, "s");
  if (a < 7200) return with("%.3g %s", s / 60, "min");
  return with("%.3g %s", s / 3600, "h");
}

std::string fmt_rps(double rps) { return fmt_num(rps) + " req/s"; }

std::string fmt_pct(double share) {
  if (!std::isfinite(share)) return fmt_num(share);
  return with("%.0f%s", share * 100, "%");
}

}  // namespace faultline::lint
