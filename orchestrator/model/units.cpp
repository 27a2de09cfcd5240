// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/model/units.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>

#include "orchestrator/model/decimal.hpp"

namespace faultline::model::units {
namespace {

using detail::Decimal;
using detail::Unit;

constexpr std::array<Unit, 7> kDurationUnits{{
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // µs
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};
constexpr const char* kDurationUnitList = "ns, us, ms, s, m, h";

constexpr std::array<Unit, 10> kByteUnits{{
    {"B", 1},
    {"KiB", 1ull << 10},
    {"MiB", 1ull << 20},
    {"GiB", 1ull << 30},
    {"TiB", 1ull << 40},
    {"kB", 1'000},
    {"KB", 1'000},
    {"MB", 1'000'000},
    {"GB", 1'000'000'000},
    {"TB", 1'000'000'000'000},
}};
constexpr const char* kByteUnitList = "B, KiB, MiB, GiB, TiB (powers of 2) or KB, MB, GB, TB (powers of 10)";

// kbps/Mbps/Gbps are bits per second here (the networking convention), unlike
// tc, where "kbps" means kilobytes per second.
constexpr std::array<Unit, 21> kRateUnits{{
    {"bit", 1},
    {"kbit", 1'000},
    {"Kbit", 1'000},
    {"Mbit", 1'000'000},
    {"mbit", 1'000'000},
    {"Gbit", 1'000'000'000},
    {"gbit", 1'000'000'000},
    {"Tbit", 1'000'000'000'000},
    {"bps", 1},
    {"kbps", 1'000},
    {"Kbps", 1'000},
    {"Mbps", 1'000'000},
    {"Gbps", 1'000'000'000},
    {"B/s", 8},
    {"kB/s", 8'000},
    {"KB/s", 8'000},
    {"MB/s", 8'000'000},
    {"GB/s", 8'000'000'000},
    {"KiB/s", 8ull << 10},
    {"MiB/s", 8ull << 20},
    {"GiB/s", 8ull << 30},
}};
constexpr const char* kRateUnitList =
    "bit, kbit, Mbit, Gbit, Tbit, bps, kbps, Mbps, Gbps (bits per second) or B/s, KB/s, MB/s, GB/s, KiB/s, MiB/s, "
    "GiB/s (bytes per second)";

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Parses "<number><unit>" against a unit table, into an exact integer count of
// the base unit no larger than `max`.
Result<uint64_t> parse_with_units(std::string_view s, const Unit* units, size_t n_units, const char* unit_list,
                                  const char* base_name, const char* example, uint64_t max) {
  auto num = detail::split_decimal(s);
  if (!num.ok()) {
    if (!s.empty() && s[0] == '-') return logic_error(quoted(s) + ": negative values are not allowed");
    return logic_error(quoted(s) + ": " + num.error().context + "; expected a number and a unit such as " + example);
  }
  const auto& [dec, unit] = num.value();
  if (unit.empty()) {
    if (dec.mantissa == 0) return uint64_t{0};
    return logic_error(quoted(s) + ": a unit is needed, e.g. " + example + " (units: " + unit_list + ")");
  }
  for (size_t i = 0; i < n_units; ++i) {
    if (units[i].name != unit) continue;
    auto v = detail::scale_exact(dec, units[i].factor, max);
    if (v.ok()) return v;
    return logic_error(quoted(s) + ": " + v.error().context + " " + base_name);
  }
  return logic_error(quoted(s) + ": unknown unit '" + std::string(unit) + "'; allowed: " + unit_list);
}

// "1G", "10M": SI or binary? A size or rate with a bare prefix is refused
// rather than guessed.
std::optional<std::string> bare_prefix(std::string_view s, std::string_view unit, bool rate) {
  if (unit.size() != 1 || std::string_view("kKMGT").find(unit[0]) == std::string_view::npos) return std::nullopt;
  const std::string p(1, unit[0] == 'k' ? 'K' : unit[0]);
  const std::string head = quoted(s) + ": unit '" + std::string(unit) + "' is ambiguous; write ";
  if (rate) return head + p + "bit (bits per second) or " + p + "B/s (bytes per second)";
  return head + p + "iB (powers of 2) or " + p + "B (powers of 10)";
}

}  // namespace

namespace {

Result<uint64_t> parse_one_duration(std::string_view s) {
  return parse_with_units(s, kDurationUnits.data(), kDurationUnits.size(), kDurationUnitList, "nanoseconds", "\"20ms\"",
                          static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
}

// "1h30m", "2m30s": where a unit ends and the next number starts.
size_t next_part(std::string_view s, size_t from) {
  for (size_t i = from + 1; i < s.size(); ++i) {
    const bool digit = s[i] >= '0' && s[i] <= '9';
    const bool prev_digit = (s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '.';
    if (digit && !prev_digit) return i;
  }
  return std::string_view::npos;
}

}  // namespace

Result<int64_t> parse_duration_ns(std::string_view s) {
  if (next_part(s, 0) == std::string_view::npos || (!s.empty() && s[0] == '-')) {
    auto v = parse_one_duration(s);
    if (!v.ok()) return v.error();
    return static_cast<int64_t>(v.value());
  }
  uint64_t total = 0;
  for (size_t start = 0; start != std::string_view::npos;) {
    const size_t end = next_part(s, start);
    const std::string_view part = s.substr(start, end == std::string_view::npos ? end : end - start);
    if (part.back() >= '0' && part.back() <= '9')
      return logic_error(quoted(s) + ": every part of a compound duration needs a unit, e.g. \"1m30s\"");
    auto v = parse_one_duration(part);
    if (!v.ok()) return logic_error(quoted(s) + ": in " + v.error().context);
    total += v.value();
    if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return logic_error(quoted(s) + ": is too large");
    start = end;
  }
  return static_cast<int64_t>(total);
}

Result<uint64_t> parse_bytes(std::string_view s) {
  auto num = detail::split_decimal(s);
  // A plain byte count is accepted here; the loader asks for a unit anyway.
  if (num.ok() && num.value().second.empty()) {
    auto v = detail::scale_exact(num.value().first, 1, std::numeric_limits<uint64_t>::max());
    if (!v.ok()) return logic_error(quoted(s) + ": " + v.error().context + " bytes");
    return v;
  }
  auto v = parse_with_units(s, kByteUnits.data(), kByteUnits.size(), kByteUnitList, "bytes", "\"256MiB\"",
                            std::numeric_limits<uint64_t>::max());
  if (!v.ok() && num.ok())
    if (auto amb = bare_prefix(s, num.value().second, false)) return logic_error(*amb);
  return v;
}

Result<uint64_t> parse_rate_bps(std::string_view s) {
  auto num = detail::split_decimal(s);
  auto v = parse_with_units(s, kRateUnits.data(), kRateUnits.size(), kRateUnitList, "bit/s", "\"100Mbit\"",
                            std::numeric_limits<uint64_t>::max());
  if (!v.ok() && num.ok())
    if (auto amb = bare_prefix(s, num.value().second, true)) return logic_error(*amb);
  // "0" alone is accepted like any other quantity; whether zero is allowed is
  // the caller's decision.
  return v;
}

Result<uint32_t> parse_percent_ppm(std::string_view s) {
  auto num = detail::split_decimal(s);
  if (!num.ok())
    return logic_error(quoted(s) + ": " + num.error().context + "; expected a percentage such as \"2.5%\"");
  const auto& [dec, unit] = num.value();
  if (unit.empty() && dec.mantissa == 0) return uint32_t{0};
  if (unit != "%")
    return logic_error(quoted(s) + ": a percentage needs a % sign, e.g. \"2.5%\" (allowed: \"0%\" to \"100%\")");
  // 1% == 10'000 ppm; anything finer than 0.0001% cannot be represented.
  auto v = detail::scale_exact(dec, 10'000, std::numeric_limits<uint64_t>::max());
  if (!v.ok()) return logic_error(quoted(s) + ": finer than 0.0001%, the resolution of percentages");
  if (v.value() > 1'000'000) return logic_error(quoted(s) + ": more than 100%; allowed: \"0%\" to \"100%\"");
  return static_cast<uint32_t>(v.value());
}

Result<uint32_t> cores_to_millicores(double cores) {
  if (!std::isfinite(cores) || !(cores > 0) || cores > 1024) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", cores);
    return logic_error(std::string(buf) + " cores is out of range; allowed: more than 0 and at most 1024");
  }
  const double milli = cores * 1000.0;
  const double rounded = std::round(milli);
  // 0.1 * 1000 is 100.00000000000001 in binary: tolerate representation error,
  // refuse real sub-millicore precision.
  if (std::fabs(milli - rounded) > 1e-6 || rounded < 1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", cores);
    return logic_error(std::string(buf) + " cores is finer than 0.001 cores, the resolution of CPU limits");
  }
  return static_cast<uint32_t>(rounded);
}

std::string format_duration(int64_t ns) {
  if (ns == 0) return "0s";
  if (ns < 0) return "-" + format_duration(-ns);
  static constexpr std::array<Unit, 6> kUnits{{{"h", 3'600'000'000'000},
                                               {"m", 60'000'000'000},
                                               {"s", 1'000'000'000},
                                               {"ms", 1'000'000},
                                               {"us", 1'000},
                                               {"ns", 1}}};
  for (const auto& u : kUnits)
    if (static_cast<uint64_t>(ns) % u.factor == 0)
      return std::to_string(static_cast<uint64_t>(ns) / u.factor) + std::string(u.name);
  return std::to_string(ns) + "ns";
}

std::string format_cores(uint64_t millicores) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(millicores) / 1000.0);
  return buf;
}

std::string format_bytes(uint64_t b) {
  if (b == 0) return "0B";
  static constexpr std::array<Unit, 8> kUnits{{{"TiB", 1ull << 40},
                                               {"GiB", 1ull << 30},
                                               {"MiB", 1ull << 20},
                                               {"KiB", 1ull << 10},
                                               {"TB", 1'000'000'000'000},
                                               {"GB", 1'000'000'000},
                                               {"MB", 1'000'000},
                                               {"KB", 1'000}}};
  for (const auto& u : kUnits)
    if (b % u.factor == 0) return std::to_string(b / u.factor) + std::string(u.name);
  return std::to_string(b) + "B";
}

std::string format_bytes_short(uint64_t b) {
  static constexpr std::array<Unit, 4> kBinary{
      {{"TiB", 1ull << 40}, {"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}}};
  for (size_t i = 0; i < kBinary.size(); ++i) {
    const auto& u = kBinary[i];
    if (b < u.factor) continue;
    if (b % u.factor == 0) return std::to_string(b / u.factor) + std::string(u.name);
    const double v = static_cast<double>(b) / static_cast<double>(u.factor);
    char buf[48];
    // Just under the next unit, four digits round up to 1024: say 1 of it.
    if (i > 0 && v >= 1023.95) std::snprintf(buf, sizeof buf, "1%s", std::string(kBinary[i - 1].name).c_str());
    else std::snprintf(buf, sizeof buf, "%.4g%s", v, std::string(u.name).c_str());
    return buf;
  }
  return std::to_string(b) + "B";
}

}  // namespace faultline::model::units
