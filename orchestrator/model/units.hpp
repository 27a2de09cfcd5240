// SPDX-License-Identifier: Apache-2.0
// Unit parsing: each quantity is parsed once, here, into an integer. Nothing
// downstream ever compares or re-parses unit strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace faultline::model::units {

// "20ms", "1.5s", "250us", "100ns", "2m", "1h", "0". Negative values rejected.
Result<int64_t> parse_duration_ns(std::string_view s);
// "256MiB", "1GiB", "64KiB", "1000", "1MB" (decimal), "1G"? rejected: ambiguous.
Result<uint64_t> parse_bytes(std::string_view s);
// "10Mbit", "1Gbit", "500kbit", "100bit", "12.5Mbps" (bit/s); "10MB/s"? -> bytes/s x 8.
Result<uint64_t> parse_rate_bps(std::string_view s);
// "2.5%", "100%", "0%" -> ppm (0..1'000'000).
Result<uint32_t> parse_percent_ppm(std::string_view s);
// 0.5 (cores) -> 500 milli-cores.
Result<uint32_t> cores_to_millicores(double cores);

std::string format_duration(int64_t ns);
// Exact and parseable: "256MiB", "1MB", "123456789B".
std::string format_bytes(uint64_t b);
// For people (fault descriptions, events): a whole unit exactly, otherwise
// four significant digits of the largest binary unit: "256MiB", "117.7MiB".
std::string format_bytes_short(uint64_t b);
// Millicores as cores, shortest form: 250 -> "0.25", 2000 -> "2".
std::string format_cores(uint64_t millicores);

}  // namespace faultline::model::units
