// SPDX-License-Identifier: Apache-2.0
#include <string>
#include <string_view>

#include "fuzz/entries/entries.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::fuzz {

namespace mu = model::units;

int units(const uint8_t* data, size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  const std::string q = "\"" + std::string(s) + "\"";
  // What is accepted formats back to text that reads as the same value.
  if (auto d = mu::parse_duration_ns(s); d.ok()) {
    check(d.value() >= 0, q + ": a duration is never negative");
    const std::string f = mu::format_duration(d.value());
    auto again = mu::parse_duration_ns(f);
    check(again.ok() && again.value() == d.value(), q + ": duration formats as " + f + ", which reads back different");
  } else {
    check(!d.error().context.empty(), q + ": a refused duration says why");
  }
  if (auto b = mu::parse_bytes(s); b.ok()) {
    const std::string f = mu::format_bytes(b.value());
    auto again = mu::parse_bytes(f);
    check(again.ok() && again.value() == b.value(), q + ": size formats as " + f + ", which reads back different");
    (void)mu::format_bytes_short(b.value());
  } else {
    check(!b.error().context.empty(), q + ": a refused size says why");
  }
  if (auto r = mu::parse_rate_bps(s); !r.ok()) check(!r.error().context.empty(), q + ": a refused rate says why");
  if (auto p = mu::parse_percent_ppm(s); p.ok()) {
    check(p.value() <= 1'000'000, q + ": a percentage is at most 100%");
  } else {
    check(!p.error().context.empty(), q + ": a refused percentage says why");
  }
  return 0;
}

}  // namespace faultline::fuzz
