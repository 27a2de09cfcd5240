// SPDX-License-Identifier: Apache-2.0
// Edits of a frame held in a pool slot: [virtio_net_hdr][Ethernet frame].
#pragma once

#include <cstdint>

namespace faultline::netem::engine {

// Puts an 802.1Q tag the kernel took out of the frame (TP_STATUS_VLAN_VALID)
// back after the MAC addresses, moving the frame 4 bytes; adjusts the
// header's checksum start. len is header + frame; returns the new length.
uint32_t reinsert_vlan_tag(uint8_t* slot, uint32_t len, uint16_t tpid, uint16_t tci);

// When the frame's transport checksum is still to be computed by offload
// (VIRTIO_NET_HDR_F_NEEDS_CSUM), computes it now and clears the flag, as
// netem does (skb_checksum_help) before corrupting: otherwise the flipped
// bit would be covered by a checksum computed after it and go unnoticed.
// Returns false when the header points outside the frame.
bool complete_checksum(uint8_t* slot, uint32_t len);

// Flips one bit of the frame after its Ethernet header, chosen by pick.
void flip_payload_bit(uint8_t* slot, uint32_t len, uint64_t pick);

// Source and destination MAC as 48-bit integers (for the switch table).
inline uint64_t mac_at(const uint8_t* p) {
  return (uint64_t{p[0]} << 40) | (uint64_t{p[1]} << 32) | (uint64_t{p[2]} << 24) | (uint64_t{p[3]} << 16) |
         (uint64_t{p[4]} << 8) | uint64_t{p[5]};
}
inline bool mac_is_group(uint64_t mac) { return (mac >> 40) & 1; }

}  // namespace faultline::netem::engine
