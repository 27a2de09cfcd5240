// SPDX-License-Identifier: Apache-2.0
#include "netem/impairment.hpp"

#include <algorithm>
#include <cstdio>

namespace faultline::netem {

uint32_t default_limit_packets(const Impairment& imp) {
  constexpr uint32_t kFloor = 64;       // enough for bursts on an unshaped link
  constexpr uint32_t kCeiling = 100'000;
  if (imp.rate_bps == 0) {
    // No rate: only delay holds packets; 1000 is netem's own default and
    // suffices for ~1 Gbit/s x 12 ms. Scale for longer delays.
    const int64_t total = imp.delay_ns + imp.jitter_ns;
    const uint64_t at_1gbit = static_cast<uint64_t>(total) * 1'000'000'000ull / 8 / 1500 / 1'000'000'000ull;
    return static_cast<uint32_t>(std::clamp<uint64_t>(std::max<uint64_t>(at_1gbit * 2, 1000), kFloor, kCeiling));
  }
  // Bandwidth-delay product in packets, doubled for headroom, with a floor.
  const int64_t delay = std::max<int64_t>(imp.delay_ns + imp.jitter_ns, 1'000'000);  // at least 1 ms
  const long double bdp_bytes = static_cast<long double>(imp.rate_bps) / 8.0L * delay / 1e9L;
  const uint64_t pkts = static_cast<uint64_t>(bdp_bytes / 1500.0L * 2.0L) + 1;
  return static_cast<uint32_t>(std::clamp<uint64_t>(pkts, kFloor, kCeiling));
}

const char* to_string(JitterDist d) {
  switch (d) {
    case JitterDist::kUniform: return "uniform";
    case JitterDist::kNormal: return "normal";
    case JitterDist::kPareto: return "pareto";
    case JitterDist::kParetoNormal: return "paretonormal";
  }
  return "?";
}

std::optional<JitterDist> jitter_dist_from_string(const std::string& s) {
  if (s == "uniform") return JitterDist::kUniform;
  if (s == "normal") return JitterDist::kNormal;
  if (s == "pareto") return JitterDist::kPareto;
  if (s == "paretonormal") return JitterDist::kParetoNormal;
  return std::nullopt;
}

namespace {
std::string fmt_ns(int64_t ns) {
  char buf[64];
  if (ns % 1'000'000'000 == 0) std::snprintf(buf, sizeof buf, "%llds", (long long)(ns / 1'000'000'000));
  else if (ns % 1'000'000 == 0) std::snprintf(buf, sizeof buf, "%lldms", (long long)(ns / 1'000'000));
  else if (ns % 1000 == 0) std::snprintf(buf, sizeof buf, "%lldus", (long long)(ns / 1000));
  else std::snprintf(buf, sizeof buf, "%lldns", (long long)ns);
  return buf;
}
std::string fmt_ppm(uint32_t ppm) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g%%", ppm / 10000.0);
  return buf;
}
std::string fmt_rate(uint64_t bps) {
  char buf[32];
  if (bps % 1'000'000'000 == 0) std::snprintf(buf, sizeof buf, "%lluGbit", (unsigned long long)(bps / 1'000'000'000));
  else if (bps % 1'000'000 == 0) std::snprintf(buf, sizeof buf, "%lluMbit", (unsigned long long)(bps / 1'000'000));
  else if (bps % 1000 == 0) std::snprintf(buf, sizeof buf, "%llukbit", (unsigned long long)(bps / 1000));
  else std::snprintf(buf, sizeof buf, "%llubit", (unsigned long long)bps);
  return buf;
}
}  // namespace

std::string describe(const Impairment& imp) {
  if (imp.is_neutral()) return "none";
  std::string out;
  auto add = [&](const std::string& s) {
    if (!out.empty()) out += ' ';
    out += s;
  };
  if (imp.delay_ns) add("delay " + fmt_ns(imp.delay_ns));
  if (imp.jitter_ns) add(std::string("jitter ") + fmt_ns(imp.jitter_ns) + "(" + to_string(imp.jitter_dist) + ")");
  if (imp.delay_correlation_ppm) add("delay-corr " + fmt_ppm(imp.delay_correlation_ppm));
  if (imp.loss_model == LossModel::kGilbertElliott)
    add("loss gemodel p " + fmt_ppm(imp.gilbert.p_ppm) + " r " + fmt_ppm(imp.gilbert.r_ppm));
  else if (imp.loss_ppm)
    add("loss " + fmt_ppm(imp.loss_ppm));
  if (imp.duplicate_ppm) add("duplicate " + fmt_ppm(imp.duplicate_ppm));
  if (imp.corrupt_ppm) add("corrupt " + fmt_ppm(imp.corrupt_ppm));
  if (imp.reorder_ppm) add("reorder " + fmt_ppm(imp.reorder_ppm));
  if (imp.rate_bps) add("rate " + fmt_rate(imp.rate_bps));
  if (imp.limit_packets) add("limit " + std::to_string(imp.limit_packets));
  return out;
}

}  // namespace faultline::netem
