// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/port.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <utility>

namespace faultline::netem::engine {

namespace {

Status setopt(int fd, int level, int opt, int value, const std::string& what) {
  if (::setsockopt(fd, level, opt, &value, sizeof value) < 0) return sys_error(what);
  return {};
}

// The port must be up for frames to flow; the orchestrator normally does this,
// but an engine started by hand on fresh veths should just work.
Status ensure_up(int fd, const std::string& ifname) {
  struct ifreq ifr {};
  std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
  if (::ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) return sys_error("read flags of " + ifname);
  if (ifr.ifr_flags & IFF_UP) return {};
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (::ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) return sys_error("set " + ifname + " up");
  return {};
}

}  // namespace

Result<Port> Port::open(const std::string& ifname, const PortOptions& opt) {
  if (ifname.empty() || ifname.size() >= IFNAMSIZ) return logic_error("bad port name '" + ifname + "'");
  Port p;
  p.name_ = ifname;
  p.ring_ = opt.ring;
  p.ifindex_ = static_cast<int>(::if_nametoindex(ifname.c_str()));
  if (p.ifindex_ == 0) return sys_error("port " + ifname + " (not in this network namespace?)");

  // Protocol 0: the socket receives nothing until bind() below, so the ring
  // never holds frames of other interfaces.
  p.fd_.reset(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!p.fd_.valid()) return sys_error("AF_PACKET socket for " + ifname);
  const int fd = p.fd_.get();
  FL_TRY(ensure_up(fd, ifname));

  // Options that must precede the ring.
  const int version = opt.ring == RingVersion::kV2 ? TPACKET_V2 : TPACKET_V3;
  FL_TRY(setopt(fd, SOL_PACKET, PACKET_VERSION, version, "PACKET_VERSION on " + ifname));
  FL_TRY(setopt(fd, SOL_PACKET, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR on " + ifname));

  const uint32_t page = static_cast<uint32_t>(::sysconf(_SC_PAGESIZE));
  if (opt.ring == RingVersion::kV2) {
    p.frame_size_ = opt.frame_size;
    p.block_size_ = std::max<uint32_t>(page, opt.frame_size);
    while (p.block_size_ < (64u << 10) && p.block_size_ < opt.frame_size * 32) p.block_size_ <<= 1;
    const uint32_t per_block = p.block_size_ / p.frame_size_;
    p.block_nr_ = std::max<uint32_t>(1, (opt.ring_frames + per_block - 1) / per_block);
    p.frame_nr_ = p.block_nr_ * per_block;
    struct tpacket_req req {};
    req.tp_block_size = p.block_size_;
    req.tp_block_nr = p.block_nr_;
    req.tp_frame_size = p.frame_size_;
    req.tp_frame_nr = p.frame_nr_;
    if (::setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0)
      return sys_error("PACKET_RX_RING (V2) on " + ifname);
  } else {
    p.block_size_ = 128u << 10;
    while (p.block_size_ < opt.frame_size * 4) p.block_size_ <<= 1;
    const uint64_t want = static_cast<uint64_t>(opt.ring_frames) * opt.frame_size;
    p.block_nr_ = static_cast<uint32_t>(std::max<uint64_t>(4, (want + p.block_size_ - 1) / p.block_size_));
    struct tpacket_req3 req {};
    req.tp_block_size = p.block_size_;
    req.tp_block_nr = p.block_nr_;
    req.tp_frame_size = opt.frame_size;
    req.tp_frame_nr = (p.block_size_ / opt.frame_size) * p.block_nr_;
    req.tp_retire_blk_tov = opt.v3_block_timeout_ms;
    if (::setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0)
      return sys_error("PACKET_RX_RING (V3) on " + ifname);
  }
  p.map_len_ = static_cast<size_t>(p.block_size_) * p.block_nr_;
  void* m = ::mmap(nullptr, p.map_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED | MAP_POPULATE, fd, 0);
  if (m == MAP_FAILED) m = ::mmap(nullptr, p.map_len_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) return sys_error("mmap receive ring of " + ifname);
  p.map_ = static_cast<uint8_t*>(m);

  FL_TRY(setopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS on " + ifname));
  FL_TRY(setopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING on " + ifname));
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &opt.sndbuf_bytes, sizeof opt.sndbuf_bytes) < 0)
    FL_TRY(setopt(fd, SOL_SOCKET, SO_SNDBUF, opt.sndbuf_bytes, "SO_SNDBUF on " + ifname));

  // Promiscuous for as long as the socket lives (the kernel undoes it on
  // close): a port must see frames for every MAC behind it. veth delivers
  // them anyway; other device types would not.
  struct packet_mreq mr {};
  mr.mr_ifindex = p.ifindex_;
  mr.mr_type = PACKET_MR_PROMISC;
  if (::setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0)
    return sys_error("promiscuous membership on " + ifname);

  struct sockaddr_ll sll {};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = p.ifindex_;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) return sys_error("bind to " + ifname);
  return p;
}

Port::Port(Port&& o) noexcept { *this = std::move(o); }

Port& Port::operator=(Port&& o) noexcept {
  if (this != &o) {
    release();
    fd_ = std::move(o.fd_);
    name_ = std::move(o.name_);
    ifindex_ = o.ifindex_;
    ring_ = o.ring_;
    map_ = std::exchange(o.map_, nullptr);
    map_len_ = std::exchange(o.map_len_, 0);
    frame_size_ = o.frame_size_;
    frame_nr_ = o.frame_nr_;
    block_size_ = o.block_size_;
    block_nr_ = o.block_nr_;
    cur_ = o.cur_;
    v3_pkt_ = o.v3_pkt_;
    v3_left_ = o.v3_left_;
    counters_ = o.counters_;
    tx_n_ = std::exchange(o.tx_n_, 0);
    std::memcpy(tx_iov_, o.tx_iov_, sizeof tx_iov_);
  }
  return *this;
}

Port::~Port() { release(); }

void Port::release() noexcept {
  if (map_) ::munmap(map_, map_len_);
  map_ = nullptr;
  fd_.reset();
}

bool Port::peek(RxFrame& f) { return ring_ == RingVersion::kV2 ? peek_v2(f) : peek_v3(f); }

bool Port::peek_v2(RxFrame& f) {
  auto* h = reinterpret_cast<tpacket2_hdr*>(map_ + static_cast<size_t>(cur_) * frame_size_);
  const uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
  if (!(status & TP_STATUS_USER)) return false;
  const uint8_t* mac = reinterpret_cast<const uint8_t*>(h) + h->tp_mac;
  f.data = mac - kVnetHdrLen;
  f.len = h->tp_snaplen + kVnetHdrLen;
  f.wire_len = h->tp_len;
  f.ts_real_ns = static_cast<int64_t>(h->tp_sec) * 1'000'000'000 + h->tp_nsec;
  f.vlan = status & TP_STATUS_VLAN_VALID;
  f.vlan_tci = h->tp_vlan_tci;
  f.vlan_tpid = (status & TP_STATUS_VLAN_TPID_VALID) ? h->tp_vlan_tpid : ETH_P_8021Q;
  return true;
}

bool Port::peek_v3(RxFrame& f) {
  while (v3_left_ == 0) {
    auto* bd = reinterpret_cast<tpacket_block_desc*>(map_ + static_cast<size_t>(cur_) * block_size_);
    const uint32_t status = __atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
    if (!(status & TP_STATUS_USER)) return false;
    v3_left_ = bd->hdr.bh1.num_pkts;
    v3_pkt_ = reinterpret_cast<uint8_t*>(bd) + bd->hdr.bh1.offset_to_first_pkt;
    if (v3_left_ == 0) {  // retired empty: give it straight back
      __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
      cur_ = (cur_ + 1) % block_nr_;
    }
  }
  auto* h = reinterpret_cast<tpacket3_hdr*>(v3_pkt_);
  const uint8_t* mac = v3_pkt_ + h->tp_mac;
  f.data = mac - kVnetHdrLen;
  f.len = h->tp_snaplen + kVnetHdrLen;
  f.wire_len = h->tp_len;
  f.ts_real_ns = static_cast<int64_t>(h->tp_sec) * 1'000'000'000 + h->tp_nsec;
  f.vlan = h->tp_status & TP_STATUS_VLAN_VALID;
  f.vlan_tci = static_cast<uint16_t>(h->hv1.tp_vlan_tci);
  f.vlan_tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? static_cast<uint16_t>(h->hv1.tp_vlan_tpid)
                                                           : static_cast<uint16_t>(ETH_P_8021Q);
  return true;
}

void Port::consume() {
  if (ring_ == RingVersion::kV2) {
    auto* h = reinterpret_cast<tpacket2_hdr*>(map_ + static_cast<size_t>(cur_) * frame_size_);
    __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    cur_ = cur_ + 1 == frame_nr_ ? 0 : cur_ + 1;
    return;
  }
  if (--v3_left_ != 0) {
    v3_pkt_ += reinterpret_cast<tpacket3_hdr*>(v3_pkt_)->tp_next_offset;
    return;
  }
  auto* bd = reinterpret_cast<tpacket_block_desc*>(map_ + static_cast<size_t>(cur_) * block_size_);
  __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
  cur_ = (cur_ + 1) % block_nr_;
}

void Port::flush() {
  uint32_t done = 0;
  while (done < tx_n_) {
    const uint32_t n = tx_n_ - done;
    for (uint32_t i = 0; i < n; ++i) {
      tx_msg_[i] = {};
      tx_msg_[i].msg_hdr.msg_iov = &tx_iov_[done + i];
      tx_msg_[i].msg_hdr.msg_iovlen = 1;
    }
    const int r = ::sendmmsg(fd_.get(), tx_msg_, n, MSG_DONTWAIT);
    if (r > 0) {
      done += static_cast<uint32_t>(r);
    } else {
      // The kernel refused the first frame (no buffer space, interface down,
      // malformed header): count it lost and go on with the rest.
      ++counters_.tx_errors;
      ++done;
    }
  }
  tx_n_ = 0;
}

const PortCounters& Port::counters() {
  union {
    tpacket_stats v2;
    tpacket_stats_v3 v3;
  } st{};
  socklen_t len = ring_ == RingVersion::kV2 ? sizeof st.v2 : sizeof st.v3;
  if (::getsockopt(fd_.get(), SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) counters_.ring_drops += st.v2.tp_drops;
  return counters_;
}

}  // namespace faultline::netem::engine
