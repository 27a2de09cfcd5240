// SPDX-License-Identifier: Apache-2.0
// partition.bpf.c on crafted frames through BPF_PROG_TEST_RUN: the program is
// loaded (attached nowhere), given rules through its loader, and run by the
// kernel on Ethernet frames built here: whole TCP and UDP datagrams, first
// and later IPv4 fragments, IP options (IHL > 5), truncated headers. Ports
// are read from first fragments only, later fragments share their first
// fragment's verdict, and what cannot be read passes. Needs root (loading BPF
// programs); skipped, with the kernel's answer, where BPF_PROG_TEST_RUN is
// not allowed.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ebpf/partition_loader.hpp"

using namespace faultline;

namespace {

constexpr int kOk = 0, kShot = 2;
constexpr uint8_t kTcp = 6, kUdp = 17, kIcmp = 1;
constexpr uint32_t kSrc = 0x0a000001, kDst = 0x0a000002, kOther = 0x0a000003;  // 10.0.0.1, .2, .3
constexpr uint16_t kMF = 0x2000;

struct Ip {
  uint32_t src = kSrc, dst = kDst;
  uint8_t proto = kUdp;
  uint16_t id = 1;
  uint16_t frag = 0;          // flags and offset (in 8-byte units), host order
  std::vector<uint8_t> options;  // a multiple of 4 bytes: IHL = 5 + size / 4
  std::optional<uint16_t> tot_len;  // as sent; default: the real length
  std::optional<uint8_t> ihl;       // as sent; default: from the options
  Ip& from(uint32_t v) { src = v; return *this; }
  Ip& protocol(uint8_t v) { proto = v; return *this; }
  Ip& ident(uint16_t v) { id = v; return *this; }
  Ip& fragment(uint16_t v) { frag = v; return *this; }
  Ip& with_options(std::vector<uint8_t> v) { options = std::move(v); return *this; }
  Ip& length(uint16_t v) { tot_len = v; return *this; }
  Ip& header_words(uint8_t v) { ihl = v; return *this; }
};

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  put16(b, at, static_cast<uint16_t>(v >> 16));
  put16(b, at + 2, static_cast<uint16_t>(v));
}

// An Ethernet frame carrying an IPv4 header and `payload` (the L4 header and
// data of a first fragment or whole datagram; data only for a later one).
std::vector<uint8_t> frame(const Ip& ip, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> f(14, 0);
  f[0] = 0x02;  // destination and source MACs, locally administered
  f[6] = 0x02;
  f[11] = 1;
  put16(f, 12, 0x0800);
  const size_t hlen = 20 + ip.options.size();
  std::vector<uint8_t> h(hlen, 0);
  h[0] = static_cast<uint8_t>(0x40 | (ip.ihl ? *ip.ihl : hlen / 4));
  put16(h, 2, ip.tot_len ? *ip.tot_len : static_cast<uint16_t>(hlen + payload.size()));
  put16(h, 4, ip.id);
  put16(h, 6, ip.frag);
  h[8] = 64;
  h[9] = ip.proto;
  put32(h, 12, ip.src);
  put32(h, 16, ip.dst);
  std::copy(ip.options.begin(), ip.options.end(), h.begin() + 20);
  f.insert(f.end(), h.begin(), h.end());
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

// A TCP or UDP header's first bytes: source port, destination port, then filler.
std::vector<uint8_t> l4(uint16_t sport, uint16_t dport, size_t len = 20) {
  std::vector<uint8_t> b(len, 0);
  put16(b, 0, sport);
  put16(b, 2, dport);
  return b;
}

class PartitionProgram : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: loading BPF programs";
    auto f = ebpf::PartitionFilter::attach({});
    ASSERT_TRUE(f.ok()) << f.error().message();
    filter_ = std::make_unique<ebpf::PartitionFilter>(std::move(f.value()));
    // Whether this kernel lets the program be test-run at all.
    std::vector<uint8_t> probe = frame(Ip(), l4(1, 2));
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = probe.data(), .data_size_in = static_cast<uint32_t>(probe.size()));
    if (bpf_prog_test_run_opts(filter_->program_fd(), &opts) != 0) {
      const int e = errno;
      GTEST_SKIP() << "BPF_PROG_TEST_RUN of a tc program is not allowed here: " << std::strerror(e);
    }
  }
  // The program's verdict on one frame (kOk or kShot).
  int run(const std::vector<uint8_t>& f) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.data(), .data_size_in = static_cast<uint32_t>(f.size()));
    const int rc = bpf_prog_test_run_opts(filter_->program_fd(), &opts);
    EXPECT_EQ(rc, 0) << std::strerror(errno) << " (a frame of " << f.size() << " bytes)";
    return static_cast<int>(opts.retval);
  }
  // Rule `id`: from kSrc to anything, proto and port range (0: any).
  void rules(std::vector<ebpf::PartitionRule> rs) { ASSERT_TRUE(filter_->set_rules(rs).ok()); }
  static ebpf::PartitionRule rule(uint32_t id, uint8_t proto = 0, uint16_t lo = 0, uint16_t hi = 0) {
    ebpf::PartitionRule r;
    r.id = id;
    r.src_net = kSrc;
    r.src_mask = 0xffffffffu;
    r.proto = proto;
    r.dport_lo = lo;
    r.dport_hi = hi;
    return r;
  }
  uint64_t dropped(uint32_t id) {
    auto c = filter_->counters();
    EXPECT_TRUE(c.ok());
    for (const auto& rc : c.value())
      if (rc.id == id) return rc.dropped;
    return 0;
  }
  std::unique_ptr<ebpf::PartitionFilter> filter_;
};

}  // namespace

TEST_F(PartitionProgram, WholeDatagramsByProtocolAndPort) {
  rules({rule(1, kTcp, 5432, 5432)});
  EXPECT_EQ(run(frame(Ip().protocol(kTcp), l4(40000, 5432))), kShot);
  EXPECT_EQ(run(frame(Ip().protocol(kTcp), l4(40000, 5433))), kOk);
  EXPECT_EQ(run(frame(Ip().protocol(kUdp), l4(40000, 5432, 8))), kOk) << "a tcp rule dropped udp";
  EXPECT_EQ(run(frame(Ip().from(kOther).protocol(kTcp), l4(40000, 5432))), kOk) << "another source was dropped";
  EXPECT_EQ(dropped(1), 1u);
}

TEST_F(PartitionProgram, LaterFragmentsFollowTheirFirstFragment) {
  rules({rule(1, kUdp, 7000, 7000)});
  // A UDP datagram to 7000 in three fragments: all dropped, and counted.
  EXPECT_EQ(run(frame(Ip().ident(77).fragment(kMF), l4(40000, 7000, 8 + 64))), kShot);
  EXPECT_EQ(run(frame(Ip().ident(77).fragment(kMF | 9u), std::vector<uint8_t>(64, 0xab))), kShot);
  EXPECT_EQ(run(frame(Ip().ident(77).fragment(17), std::vector<uint8_t>(10, 0xab))), kShot);
  EXPECT_EQ(dropped(1), 3u);
  // One to 7001: all pass, even a later fragment whose data, where a port
  // would be, reads 7000 (0x1b58).
  EXPECT_EQ(run(frame(Ip().ident(78).fragment(kMF), l4(40000, 7001, 8 + 64))), kOk);
  EXPECT_EQ(run(frame(Ip().ident(78).fragment(9), l4(0x1b58, 0x1b58, 16))), kOk);
  EXPECT_EQ(dropped(1), 3u);
}

TEST_F(PartitionProgram, TcpFirstFragmentAndItsRest) {
  rules({rule(1, kTcp, 8000, 8100)});
  EXPECT_EQ(run(frame(Ip().protocol(kTcp).ident(5).fragment(kMF), l4(40000, 8050, 40))), kShot);
  EXPECT_EQ(run(frame(Ip().protocol(kTcp).ident(5).fragment(5), std::vector<uint8_t>(100, 0))), kShot);
  // The same id from another source is another datagram.
  EXPECT_EQ(run(frame(Ip().from(kOther).protocol(kTcp).ident(5).fragment(5), std::vector<uint8_t>(100, 0))), kOk);
  // Same id, other protocol: another datagram too.
  EXPECT_EQ(run(frame(Ip().protocol(kUdp).ident(5).fragment(5), std::vector<uint8_t>(100, 0))), kOk);
}

TEST_F(PartitionProgram, LaterFragmentWithoutItsFirstIsJudgedWithoutPorts) {
  // Its data where the ports would be says 7000; a port rule must not read it.
  rules({rule(1, kUdp, 7000, 7000)});
  EXPECT_EQ(run(frame(Ip().ident(90).fragment(3), l4(7000, 7000, 16))), kOk);
  // A rule without ports judges it like any packet from the source.
  rules({rule(2, kUdp)});
  EXPECT_EQ(run(frame(Ip().ident(91).fragment(3), l4(1, 1, 16))), kShot);
  rules({rule(3)});
  EXPECT_EQ(run(frame(Ip().protocol(kIcmp).ident(92).fragment(3), std::vector<uint8_t>(16, 0))), kShot);
}

TEST_F(PartitionProgram, PortsAfterIpOptions) {
  rules({rule(1, kTcp, 443, 443)});
  // IHL 6: four bytes of options (NOPs) before the TCP header. The bytes
  // where a 20-byte header's ports would be are options, never read as ports.
  const std::vector<uint8_t> nops = {1, 1, 1, 1};
  EXPECT_EQ(run(frame(Ip().protocol(kTcp).with_options(nops), l4(40000, 443))), kShot);
  EXPECT_EQ(run(frame(Ip().protocol(kTcp).with_options({0x01, 0x01, 0x01, 0xbb}), l4(40000, 80))), kOk);
  // IHL 15, the most: forty bytes of options.
  EXPECT_EQ(run(frame(Ip().protocol(kTcp).with_options(std::vector<uint8_t>(40, 1)), l4(40000, 443))), kShot);
}

TEST_F(PartitionProgram, TruncatedHeadersPass) {
  rules({rule(1, kUdp, 53, 53)});
  // The UDP header cut after the source port: the frame ends there.
  EXPECT_EQ(run(frame(Ip(), {0x9c, 0x40})), kOk);
  // The frame holds the ports but the IP length says they are not part of
  // the datagram (Ethernet padding): not read as ports.
  EXPECT_EQ(run(frame(Ip().length(22), l4(40000, 53, 8))), kOk);
  // One claiming IHL < 5. (An IP header cut short cannot be tried here:
  // BPF_PROG_TEST_RUN itself refuses an IPv4 frame without 20 bytes of
  // header, EINVAL; the program passes it as it passes any unreadable one.)
  EXPECT_EQ(run(frame(Ip().header_words(4), l4(40000, 53, 8))), kOk);
  // An IHL pointing past the frame's end.
  EXPECT_EQ(run(frame(Ip().header_words(15), l4(40000, 53, 8))), kOk);
  // A rule without ports still drops a whole datagram whose L4 header is cut.
  rules({rule(2, kUdp)});
  EXPECT_EQ(run(frame(Ip(), {0x9c, 0x40})), kShot);
  EXPECT_EQ(dropped(1), 0u);
}

TEST_F(PartitionProgram, NonIpv4Passes) {
  rules({rule(1)});
  std::vector<uint8_t> arp = frame(Ip(), l4(1, 2));
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_EQ(run(arp), kOk);
  EXPECT_EQ(run(frame(Ip(), l4(1, 2))), kShot);
}
