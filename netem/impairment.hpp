// SPDX-License-Identifier: Apache-2.0
// The impairment value type: what one direction of a link (or a whole segment)
// does to the packets crossing it. Pure data in integer units; the kernel netem
// backend and the userspace link engine both consume it. The topology model
// depends on this header and nothing else in netem/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace faultline::netem {

// Percentages are held as parts per million: 100% == 1'000'000.
inline constexpr uint32_t kPpmPerPercent = 10'000;
inline constexpr uint32_t kPpmMax = 1'000'000;

enum class JitterDist { kUniform, kNormal, kPareto, kParetoNormal };

enum class LossModel { kRandom, kGilbertElliott };

struct GilbertElliott {
  uint32_t p_ppm = 0;   // P(good -> bad) per packet
  uint32_t r_ppm = 0;   // P(bad -> good) per packet
  uint32_t h_ppm = 0;   // 1 - P(loss | bad); default 0: every packet in bad is lost
  uint32_t k_ppm = 0;   // P(loss | good)
  bool operator==(const GilbertElliott&) const = default;
};

struct Impairment {
  int64_t delay_ns = 0;
  int64_t jitter_ns = 0;
  JitterDist jitter_dist = JitterDist::kUniform;
  uint32_t delay_correlation_ppm = 0;

  LossModel loss_model = LossModel::kRandom;
  uint32_t loss_ppm = 0;
  uint32_t loss_correlation_ppm = 0;
  GilbertElliott gilbert;

  uint32_t duplicate_ppm = 0;
  uint32_t corrupt_ppm = 0;
  uint32_t reorder_ppm = 0;  // share of packets sent at once, ahead of delayed ones

  uint64_t rate_bps = 0;         // 0: unlimited
  int32_t overhead_bytes = 0;    // per packet, added for the rate computation
  uint32_t limit_packets = 0;    // 0: sized from rate x delay (see default_limit_packets)
  uint64_t limit_bytes = 0;      // 0: no byte limit

  bool operator==(const Impairment&) const = default;

  // True when this impairment changes nothing.
  bool is_neutral() const { return *this == Impairment{}; }
};

// Queue limit sized to the bandwidth-delay product (with headroom), not a fixed
// 1000 packets: a queue longer than rate x delay only adds bufferbloat, a shorter
// one drops at line rate. Packets are assumed to be 1500 bytes.
uint32_t default_limit_packets(const Impairment& imp);

const char* to_string(JitterDist d);
std::optional<JitterDist> jitter_dist_from_string(const std::string& s);

// A one-line human description, e.g. "delay 20ms jitter 2ms(normal) loss 1%".
std::string describe(const Impairment& imp);

}  // namespace faultline::netem
