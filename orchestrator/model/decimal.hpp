// SPDX-License-Identifier: Apache-2.0
// Exact decimal numbers for unit parsing: "1.5s" must become exactly
// 1'500'000'000 ns, which a double does not guarantee.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "base/result.hpp"

namespace faultline::model::detail {

// value = mantissa / 10^scale
struct Decimal {
  unsigned __int128 mantissa = 0;
  int scale = 0;
};

struct Unit {
  std::string_view name;
  uint64_t factor;
};

// Splits "12.5ms" into (12.5, "ms"). Refuses signs, exponents and a missing
// integer part; the error says what was wrong, without the input.
Result<std::pair<Decimal, std::string_view>> split_decimal(std::string_view s);

// d * factor as an exact integer no larger than max; the error says "is not a
// whole number of" or "is too large, more than N" (the caller adds the unit).
Result<uint64_t> scale_exact(const Decimal& d, uint64_t factor, uint64_t max);

}  // namespace faultline::model::detail
