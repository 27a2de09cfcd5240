// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/frame.hpp"

#include <endian.h>

#include <cstring>

#include "netem/engine/port.hpp"

namespace faultline::netem::engine {

namespace {
// PACKET_VNET_HDR uses the host's byte order for the header fields
// (virtio "legacy" little endian on every host we run on).
uint16_t get16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return le16toh(v);
}
void put16(uint8_t* p, uint16_t v) {
  v = htole16(v);
  std::memcpy(p, &v, 2);
}
// struct virtio_net_hdr, spelled out: <linux/virtio_net.h> does not compile
// as C++ (a member named "class").
constexpr uint32_t kFlags = 0, kCsumStart = 6, kCsumOffset = 8;
constexpr uint8_t VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
constexpr uint32_t kEthHdr = 14;
}  // namespace

uint32_t reinsert_vlan_tag(uint8_t* slot, uint32_t len, uint16_t tpid, uint16_t tci) {
  uint8_t* frame = slot + kVnetHdrLen;
  const uint32_t flen = len - kVnetHdrLen;
  if (flen < 12) return len;
  std::memmove(frame + 16, frame + 12, flen - 12);
  const uint16_t t = htobe16(tpid), c = htobe16(tci);
  std::memcpy(frame + 12, &t, 2);
  std::memcpy(frame + 14, &c, 2);
  if (slot[kFlags] & VIRTIO_NET_HDR_F_NEEDS_CSUM)
    put16(slot + kCsumStart, static_cast<uint16_t>(get16(slot + kCsumStart) + kVlanHdrLen));
  return len + kVlanHdrLen;
}

bool complete_checksum(uint8_t* slot, uint32_t len) {
  if (!(slot[kFlags] & VIRTIO_NET_HDR_F_NEEDS_CSUM)) return true;
  uint8_t* frame = slot + kVnetHdrLen;
  const uint32_t flen = len - kVnetHdrLen;
  const uint32_t start = get16(slot + kCsumStart), off = get16(slot + kCsumOffset);
  if (start >= flen || start + off + 2 > flen) return false;
  // The field holds the pseudo-header sum; the ones' complement sum over
  // everything from start on, folded and inverted, is the checksum.
  uint64_t sum = 0;
  uint32_t i = start;
  for (; i + 1 < flen; i += 2) sum += (uint32_t{frame[i]} << 8) | frame[i + 1];
  if (i < flen) sum += uint32_t{frame[i]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint16_t csum = static_cast<uint16_t>(~sum);
  if (csum == 0) csum = 0xffff;  // UDP: 0 would mean "no checksum"; same value for TCP
  frame[start + off] = static_cast<uint8_t>(csum >> 8);
  frame[start + off + 1] = static_cast<uint8_t>(csum);
  slot[kFlags] = static_cast<uint8_t>(slot[kFlags] & ~VIRTIO_NET_HDR_F_NEEDS_CSUM);
  return true;
}

void flip_payload_bit(uint8_t* slot, uint32_t len, uint64_t pick) {
  const uint32_t flen = len - kVnetHdrLen;
  if (flen <= kEthHdr) return;
  const uint32_t byte = kEthHdr + static_cast<uint32_t>((pick >> 3) % (flen - kEthHdr));
  slot[kVnetHdrLen + byte] ^= static_cast<uint8_t>(1u << (pick & 7));
}

}  // namespace faultline::netem::engine
