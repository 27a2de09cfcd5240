// SPDX-License-Identifier: Apache-2.0
// Frame edits, the MAC table and the packet pool.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "netem/engine/frame.hpp"
#include "netem/engine/mac_table.hpp"
#include "netem/engine/packet_pool.hpp"
#include "netem/engine/port.hpp"

namespace faultline::netem::engine {
namespace {

uint16_t fold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}
uint64_t sum16(const uint8_t* p, size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2) s += (p[i] << 8) | p[i + 1];
  if (n & 1) s += p[n - 1] << 8;
  return s;
}

// A slot holding [virtio_net_hdr][Ethernet][IPv4][UDP][payload] whose UDP
// checksum is left to offload: the field holds the pseudo-header sum.
std::vector<uint8_t> udp_slot_needing_csum(size_t payload) {
  std::vector<uint8_t> s(kVnetHdrLen + 14 + 20 + 8 + payload);
  uint8_t* eth = s.data() + kVnetHdrLen;
  eth[12] = 0x08;
  uint8_t* ip = eth + 14;
  ip[0] = 0x45;
  ip[9] = 17;
  const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
  std::memcpy(ip + 12, src, 4);
  std::memcpy(ip + 16, dst, 4);
  uint8_t* udp = ip + 20;
  const uint16_t ulen = static_cast<uint16_t>(8 + payload);
  udp[0] = 0x30, udp[1] = 0x39, udp[2] = 0x23, udp[3] = 0x28;
  udp[4] = static_cast<uint8_t>(ulen >> 8), udp[5] = static_cast<uint8_t>(ulen);
  for (size_t i = 0; i < payload; ++i) udp[8 + i] = static_cast<uint8_t>(i * 7 + 3);
  const uint16_t pseudo = fold(sum16(src, 4) + sum16(dst, 4) + 17 + ulen);
  udp[6] = static_cast<uint8_t>(pseudo >> 8), udp[7] = static_cast<uint8_t>(pseudo);
  s[0] = 1;                              // VIRTIO_NET_HDR_F_NEEDS_CSUM
  s[6] = 14 + 20, s[7] = 0;              // csum_start (little endian)
  s[8] = 6, s[9] = 0;                    // csum_offset
  return s;
}

// A received UDP checksum is right when the ones' complement sum over the
// pseudo-header and the datagram is all ones.
bool udp_checksum_ok(const std::vector<uint8_t>& s) {
  const uint8_t* ip = s.data() + kVnetHdrLen + 14;
  const uint8_t* udp = ip + 20;
  const uint16_t ulen = static_cast<uint16_t>((udp[4] << 8) | udp[5]);
  return fold(sum16(ip + 12, 8) + 17 + ulen + sum16(udp, ulen)) == 0xffff;
}

TEST(Frame, CompletesAnOffloadedChecksum) {
  for (size_t payload : {0u, 1u, 18u, 1000u, 1001u}) {
    auto s = udp_slot_needing_csum(payload);
    EXPECT_FALSE(udp_checksum_ok(s));
    ASSERT_TRUE(complete_checksum(s.data(), static_cast<uint32_t>(s.size())));
    EXPECT_TRUE(udp_checksum_ok(s)) << payload;
    EXPECT_EQ(s[0] & 1, 0) << "flag cleared: the kernel must not checksum again";
  }
}

TEST(Frame, CorruptionAfterCompletionIsDetectable) {
  auto s = udp_slot_needing_csum(200);
  ASSERT_TRUE(complete_checksum(s.data(), static_cast<uint32_t>(s.size())));
  const auto before = s;
  flip_payload_bit(s.data(), static_cast<uint32_t>(s.size()), 0x123456789ull);
  int diff_bits = 0;
  for (size_t i = 0; i < s.size(); ++i) diff_bits += __builtin_popcount(s[i] ^ before[i]);
  EXPECT_EQ(diff_bits, 1);
  for (size_t i = 0; i < kVnetHdrLen + 14; ++i) EXPECT_EQ(s[i], before[i]) << "Ethernet header untouched";
}

TEST(Frame, RejectsChecksumOffsetsOutsideTheFrame) {
  auto s = udp_slot_needing_csum(10);
  s[6] = 250;
  EXPECT_FALSE(complete_checksum(s.data(), static_cast<uint32_t>(s.size())));
}

TEST(Frame, ReinsertsVlanTag) {
  auto s = udp_slot_needing_csum(10);
  const auto before = s;
  s.resize(s.size() + 4);
  const uint32_t n = reinsert_vlan_tag(s.data(), static_cast<uint32_t>(before.size()), 0x8100, 42);
  EXPECT_EQ(n, before.size() + 4);
  const uint8_t* f = s.data() + kVnetHdrLen;
  EXPECT_EQ(f[12], 0x81);
  EXPECT_EQ(f[13], 0x00);
  EXPECT_EQ(f[15], 42);
  EXPECT_EQ(f[16], 0x08) << "ethertype moved behind the tag";
  EXPECT_EQ(s[6], 14 + 20 + 4) << "checksum start follows the payload";
}

TEST(MacTable, LearnsLooksUpAndAges) {
  MacTable t;
  t.learn(0x020000000001, 3, 0);
  EXPECT_EQ(t.lookup(0x020000000001, 1), 3);
  EXPECT_FALSE(t.lookup(0x020000000002, 1).has_value());
  t.learn(0x020000000001, 4, 10);
  EXPECT_EQ(t.lookup(0x020000000001, 11), 4) << "a moved station is relearned";
  EXPECT_FALSE(t.lookup(0x020000000001, 10 + MacTable::kAgeNs + 1).has_value());
  for (uint64_t m = 0; m < MacTable::kMaxEntries + 10; ++m) t.learn(m << 1, 1, 0);
  EXPECT_LE(t.size(), MacTable::kMaxEntries);
  EXPECT_TRUE(mac_is_group(0xffffffffffff));
  EXPECT_TRUE(mac_is_group(0x01005e000001));
  EXPECT_FALSE(mac_is_group(0x020000000001));
}

TEST(PacketPool, HandsOutEverySlotOnce) {
  auto p = PacketPool::create(64, 2048);
  ASSERT_TRUE(p.ok());
  std::vector<uint32_t> got;
  while (auto s = p->alloc()) got.push_back(*s);
  EXPECT_EQ(got.size(), 64u);
  EXPECT_EQ(p->in_use(), 64u);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(std::unique(got.begin(), got.end()), got.end());
  std::memset(p->data(63), 0xab, 2048);  // the last slot is writable
  p->free(5);
  EXPECT_EQ(p->alloc(), 5u);
  PacketPool moved = std::move(*p);
  EXPECT_EQ(moved.capacity(), 64u);
}

}  // namespace
}  // namespace faultline::netem::engine

#include "netem/engine/lateness.hpp"

namespace faultline::netem::engine {
namespace {

TEST(LatenessHistogram, Quantiles) {
  LatenessHistogram h;
  EXPECT_EQ(h.quantile_ns(0.99), 0);
  for (int i = 0; i < 990; ++i) h.record(3'500);   // 3.5 us
  for (int i = 0; i < 9; ++i) h.record(150'000);   // 150 us
  h.record(9'000'000);                             // 9 ms
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.quantile_ns(0.5), 4'000);   // upper bound of the 3 us bucket
  EXPECT_EQ(h.quantile_ns(0.995), 151'000);
  EXPECT_EQ(h.quantile_ns(1.0), 9'000'000);
  h.record(-5);  // early never happens, but must not underflow
  h.reset();
  EXPECT_EQ(h.count(), 0u);
}

}  // namespace
}  // namespace faultline::netem::engine
