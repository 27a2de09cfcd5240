// SPDX-License-Identifier: Apache-2.0
// Numbers as the lint's messages print them: durations in the unit that
// reads best, rates, shares, plain figures to three significant digits.
#pragma once

#include <string>

namespace faultline::lint {

std::string fmt_s(double seconds);   // "12 us", "250 ms", "1.5 s", "5 min"
std::string fmt_rps(double rps);     // "140 req/s"
std::string fmt_pct(double share);   // "85%"
std::string fmt_num(double v);       // "3.14", "1e+06" -> "1000000" below 1e7

}  // namespace faultline::lint
