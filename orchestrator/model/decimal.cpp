// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/model/decimal.hpp"

#include <string>

namespace faultline::model::detail {
namespace {

// 19 significant digits times the largest unit factor (~10^13) stays far
// below 2^127.
constexpr int kMaxDigits = 19;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Appends the digits at s[i...] to d; returns how many were read, or -1 on overflow.
int read_digits(std::string_view s, size_t& i, Decimal& d, int& digits) {
  int n = 0;
  for (; i < s.size() && is_digit(s[i]); ++i, ++n) {
    if (d.mantissa != 0 || s[i] != '0') ++digits;
    if (digits > kMaxDigits) return -1;
    d.mantissa = d.mantissa * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return n;
}

}  // namespace

Result<std::pair<Decimal, std::string_view>> split_decimal(std::string_view s) {
  if (s.empty()) return logic_error("empty value");
  if (s[0] == '-') return logic_error("negative values are not allowed");
  if (!is_digit(s[0])) return logic_error("does not start with a number");
  Decimal d;
  size_t i = 0;
  int digits = 0;
  if (read_digits(s, i, d, digits) < 0) return logic_error("too many digits");
  if (i < s.size() && s[i] == '.') {
    ++i;
    const size_t frac_start = i;
    const int n = read_digits(s, i, d, digits);
    if (n < 0) return logic_error("too many digits");
    if (n == 0) return logic_error("a decimal point must be followed by digits");
    d.scale = static_cast<int>(i - frac_start);
  }
  return std::pair{d, s.substr(i)};
}

Result<uint64_t> scale_exact(const Decimal& d, uint64_t factor, uint64_t max) {
  if (d.mantissa == 0) return uint64_t{0};
  // Leading zeros after the point do not count as digits, so the scale has no
  // bound of its own ("0.000...001s"), but 10^39 does not fit in 128 bits.
  // No such number is whole: the mantissa (at most 19 digits) times any
  // 64-bit factor stays below 10^39.
  if (d.scale >= 39) return logic_error("is not a whole number of");
  unsigned __int128 pow10 = 1;
  for (int k = 0; k < d.scale; ++k) pow10 *= 10;
  const unsigned __int128 scaled = d.mantissa * factor;
  if (scaled % pow10 != 0) return logic_error("is not a whole number of");
  const unsigned __int128 v = scaled / pow10;
  if (v > max) return logic_error("is too large, more than " + std::to_string(max));
  return static_cast<uint64_t>(v);
}

}  // namespace faultline::model::detail
