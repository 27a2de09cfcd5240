// SPDX-License-Identifier: Apache-2.0
// Checksum and segmentation offloads of an interface, through the ethtool
// ioctl (SIOCETHTOOL). Acts on the interface of that name in the calling
// thread's network namespace: run it on a thread that has joined the node's
// namespace (runtime::in_netns).
//
// Why: a veth hands the link engine TCP frames whose checksum is still to be
// computed (CHECKSUM_PARTIAL) and, with TSO/GSO on, "frames" of up to 64 KiB
// that stand for dozens of wire packets. The engine carries the checksum state
// itself (PACKET_VNET_HDR), but per-packet impairments (loss %, rate, queue
// limits) only mean what they say when every frame is one MTU packet: that is
// what turning segmentation offloads off on the node-side veths buys.
#pragma once

#include <string>

#include "base/result.hpp"

namespace faultline::netem {

// Turns off transmit checksum offload, TSO (all TCP variants), GSO, UDP
// segmentation, GRO and LRO; then reads the features back and fails if
// segmentation or checksum offload is still active. Uses ETHTOOL_SFEATURES,
// falling back to the legacy ETHTOOL_STXCSUM/STSO/SGSO/SGRO.
Status disable_offloads(const std::string& ifname);

// Turns off only receive aggregation (GRO, LRO), which is what the engine does
// to its own fabric-side ports: aggregated frames would not fit its rings.
// Transmit checksum offload stays on there, so checksums of frames the engine
// forwards are completed by the receiving node for free.
Status disable_receive_offloads(const std::string& ifname);

struct OffloadState {
  bool tx_checksum = false;  // any of tx-checksum-ipv4/ipv6/ip-generic
  bool tso = false;          // tx-tcp-segmentation or tx-tcp6-segmentation
  bool gso = false;          // tx-generic-segmentation
  bool gro = false;          // rx-gro
};

// The active state of the features above.
Result<OffloadState> query_offloads(const std::string& ifname);

}  // namespace faultline::netem
