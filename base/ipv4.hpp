// SPDX-License-Identifier: Apache-2.0
// IPv4 prefixes in host byte order: the value type shared by the plan (which
// allocates addresses) and the runtime (which configures them).
#pragma once

#include <cstdint>
#include <string>

namespace faultline {

inline std::string ipv4_str(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) +
         "." + std::to_string(a & 255);
}

struct Ipv4Prefix {
  uint32_t addr = 0;
  uint8_t len = 32;
  std::string str() const { return ipv4_str(addr) + "/" + std::to_string(len); }
  uint32_t mask() const { return len == 0 ? 0 : ~uint32_t{0} << (32 - len); }
  Ipv4Prefix network() const { return {addr & mask(), len}; }
  bool operator==(const Ipv4Prefix&) const = default;
};

}  // namespace faultline
