// SPDX-License-Identifier: Apache-2.0
// One engine port: an AF_PACKET socket bound to one interface of the fabric
// namespace, with a memory-mapped receive ring and batched transmit.
//
//   PACKET_VNET_HDR       every frame carries a virtio_net_hdr: a TCP frame
//                         whose checksum the sender left to offload is
//                         forwarded with that state, and the kernel (or the
//                         receiving veth) completes it
//   TPACKET_V2 or V3      receive ring; V2 hands over every frame at once, V3
//                         only whole blocks (full, or after its block timeout),
//                         which adds up to a millisecond at low packet rates
//   PACKET_QDISC_BYPASS   transmit straight to the driver: the fabric-side
//                         qdisc would only add a queue the engine already models
//   PACKET_IGNORE_OUTGOING the ring never sees the port's own transmissions
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "netem/engine/ring_version.hpp"

namespace faultline::netem::engine {

// What a pool slot holds ahead of the frame.
inline constexpr uint32_t kVnetHdrLen = 10;  // struct virtio_net_hdr
inline constexpr uint32_t kVlanHdrLen = 4;

struct PortOptions {
  RingVersion ring = RingVersion::kV2;
  uint32_t ring_frames = 1024;    // receive ring capacity in frames
  uint32_t frame_size = 2048;     // ring frame size: power of two, >= MTU + headers
  uint32_t v3_block_timeout_ms = 1;
  int sndbuf_bytes = 4 << 20;     // skbs in flight to a slow peer are charged here
};

struct RxFrame {
  const uint8_t* data = nullptr;  // virtio_net_hdr, then the frame
  uint32_t len = 0;               // bytes at data (header + captured frame)
  uint32_t wire_len = 0;          // the frame's length on the wire
  int64_t ts_real_ns = 0;         // kernel receive time, CLOCK_REALTIME
  bool vlan = false;              // the tag was taken out by the kernel
  uint16_t vlan_tci = 0;
  uint16_t vlan_tpid = 0;
  bool truncated() const { return len - kVnetHdrLen < wire_len; }
};

struct PortCounters {
  uint64_t ring_drops = 0;   // frames the kernel could not put in the ring (full)
  uint64_t tx_errors = 0;    // frames the kernel refused on transmit
};

class Port {
 public:
  static Result<Port> open(const std::string& ifname, const PortOptions& opt);

  Port() = default;
  Port(Port&& o) noexcept;
  Port& operator=(Port&& o) noexcept;
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;
  ~Port();

  int fd() const { return fd_.get(); }
  const std::string& name() const { return name_; }
  int ifindex() const { return ifindex_; }

  // The next received frame, if the ring holds one. Stays valid until consume().
  bool peek(RxFrame& f);
  // Returns the frame's ring space to the kernel.
  void consume();

  // Batched transmit of vnet header + frame; the bytes must stay valid until
  // flush() returns. Full batches flush by themselves.
  void queue_tx(const uint8_t* data, uint32_t len) {
    if (tx_n_ == kTxBatch) flush();
    tx_iov_[tx_n_] = {const_cast<uint8_t*>(data), len};
    ++tx_n_;
  }
  void flush();
  bool tx_pending() const { return tx_n_ != 0; }

  // Reads and accumulates PACKET_STATISTICS (the kernel clears it on read).
  const PortCounters& counters();

 private:
  static constexpr uint32_t kTxBatch = 64;

  void release() noexcept;
  bool peek_v2(RxFrame& f);
  bool peek_v3(RxFrame& f);

  UniqueFd fd_;
  std::string name_;
  int ifindex_ = 0;
  RingVersion ring_ = RingVersion::kV2;
  uint8_t* map_ = nullptr;
  size_t map_len_ = 0;
  uint32_t frame_size_ = 0, frame_nr_ = 0;  // V2
  uint32_t block_size_ = 0, block_nr_ = 0;  // V2 and V3
  uint32_t cur_ = 0;                        // V2 frame / V3 block index
  uint8_t* v3_pkt_ = nullptr;               // V3: current frame in the current block
  uint32_t v3_left_ = 0;                    // V3: frames left in the current block
  PortCounters counters_;

  struct iovec tx_iov_[kTxBatch];
  struct mmsghdr tx_msg_[kTxBatch];
  uint32_t tx_n_ = 0;
};

}  // namespace faultline::netem::engine
