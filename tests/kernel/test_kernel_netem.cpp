// SPDX-License-Identifier: Apache-2.0
// The kernel netem backend against a real kernel: two namespaces joined by a
// veth, netem on the veth ends, real UDP and TCP traffic between sockets
// opened inside the namespaces. Needs root and sch_netem; skipped with the
// kernel's own answer where sch_netem is missing (the development hosts).
//
// Timing tolerances: on real hardware timers fire within ~0.1 ms, so delays
// are checked to +-1 ms and a 10 Mbit/s rate to 9.0-10.0 Mbit/s of goodput. In
// the VM tier (FAULTLINE_VM=1: qemu without KVM, every instruction emulated)
// the guest's timers and softirqs run late by milliseconds and a bulk sender
// may not even reach the rate, so there: delays +-5 ms, and the rate check
// becomes "never above the configured rate (+5%), and clearly flowing
// (> 2 Mbit/s)"; TCP retransmits across a live change may be 6 rather than 2
// (tail-loss probes fire when emulated ACKs run late). Correctness checks (a
// delay is never shorter than configured, counters, read-back, the jitter
// table in force, no reset, no re-creation) are as strict in the VM as on
// hardware.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "netem/kernel/kernel_netem.hpp"
#include "orchestrator/runtime/netlink.hpp"
#include "orchestrator/runtime/netns.hpp"
#include "tests/support/kernel_snapshot.hpp"

namespace faultline::netem {
namespace {

using runtime::in_netns;
using runtime::NlSocket;
using runtime::NodeHolder;
using Clock = std::chrono::steady_clock;

constexpr uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d) { return a << 24 | b << 16 | c << 8 | d; }
constexpr uint32_t kAddrA = ip(10, 213, 0, 1);
constexpr uint32_t kAddrB = ip(10, 213, 0, 2);
constexpr int64_t kMs = 1'000'000;

bool in_vm() {
  const char* v = std::getenv("FAULTLINE_VM");
  return v != nullptr && std::string(v) == "1";
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

sockaddr_in sin_of(uint32_t addr, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(addr);
  sa.sin_port = htons(port);
  return sa;
}

// A socket created inside the namespace (a socket keeps the namespace it was
// created in), bound to addr:port when port is not 0.
UniqueFd socket_in(int netns_fd, int type, uint32_t addr, uint16_t port) {
  UniqueFd out;
  Status st = in_netns(netns_fd, [&]() -> Status {
    UniqueFd s(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
    if (!s.valid()) return sys_error("socket");
    const int one = 1;
    ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (port != 0) {
      sockaddr_in sa = sin_of(addr, port);
      if (::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return sys_error("bind");
    }
    out = std::move(s);
    return {};
  });
  EXPECT_TRUE(st.ok()) << st.error().message();
  return out;
}

// Two namespaces a and b joined by the veth nx-a (in a) -- nx-b (in b).
class KernelNetem : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    links_before_ = faultline::testing::host_links();
    runtime::HolderSpec spec;
    spec.new_mount_ns = false;
    auto a = NodeHolder::spawn(spec);
    ASSERT_TRUE(a.ok()) << a.error().message();
    a_ = std::move(*a);
    auto b = NodeHolder::spawn(spec);
    ASSERT_TRUE(b.ok()) << b.error().message();
    b_ = std::move(*b);
    auto sa = NlSocket::open_in(a_.netns_fd());
    ASSERT_TRUE(sa.ok()) << sa.error().message();
    sa_ = std::move(*sa);
    auto sb = NlSocket::open_in(b_.netns_fd());
    ASSERT_TRUE(sb.ok()) << sb.error().message();
    sb_ = std::move(*sb);
    Status st = sa_.create_veth("nx-a", -1, "nx-b", b_.netns_fd());
    ASSERT_TRUE(st.ok()) << st.error().message();
    ASSERT_TRUE(sb_.set_up("nx-b").ok());
    st = sa_.add_address("nx-a", {kAddrA, 30});
    ASSERT_TRUE(st.ok()) << st.error().message();
    st = sb_.add_address("nx-b", {kAddrB, 30});
    ASSERT_TRUE(st.ok()) << st.error().message();
    auto ia = sa_.ifindex("nx-a");
    ASSERT_TRUE(ia.ok()) << ia.error().message();
    ia_ = *ia;
    auto ib = sb_.ifindex("nx-b");
    ASSERT_TRUE(ib.ok()) << ib.error().message();
    ib_ = *ib;

    // The probe: the kernel's answer to adding a netem qdisc decides.
    Impairment probe;
    probe.delay_ns = kMs;
    Status p = netem_apply(sa_.raw(), ia_, probe, true);
    if (!p.ok() && p.error().err == EOPNOTSUPP) {
      GTEST_SKIP() << "sch_netem missing in this kernel: " << p.error().message();
    }
    ASSERT_TRUE(p.ok()) << p.error().message();
    ASSERT_TRUE(netem_remove(sa_.raw(), ia_).ok());
  }

  // Every test ends with the kernel back at its baseline: the namespaces
  // (with their veth and qdiscs) gone, the host's links as before.
  void TearDown() override {
    if (::geteuid() != 0) return;
    const uint64_t ino_a = a_.netns_inode(), ino_b = b_.netns_inode();
    const auto ref_a = ino_a ? faultline::testing::netns_ref(a_.netns_fd()) : faultline::testing::NetnsRef{};
    const auto ref_b = ino_b ? faultline::testing::netns_ref(b_.netns_fd()) : faultline::testing::NetnsRef{};
    if (sa_.raw() != nullptr && ia_ > 0) {
      Status st = netem_remove(sa_.raw(), ia_);
      EXPECT_TRUE(st.ok()) << st.error().message();
      auto gone = netem_read(sa_.raw(), ia_);
      ASSERT_FALSE(gone.ok());
      EXPECT_EQ(gone.error().err, ENOENT);
    }
    if (sb_.raw() != nullptr && ib_ > 0) (void)netem_remove(sb_.raw(), ib_);
    sa_ = NlSocket{};
    sb_ = NlSocket{};
    EXPECT_TRUE(a_.kill_and_wait().ok());
    EXPECT_TRUE(b_.kill_and_wait().ok());
    if (ino_a != 0) {
      EXPECT_FALSE(faultline::testing::netns_held(ref_a)) << "namespace a still has a process";
    }
    if (ino_b != 0) {
      EXPECT_FALSE(faultline::testing::netns_held(ref_b)) << "namespace b still has a process";
    }
    EXPECT_TRUE(faultline::testing::host_links_added(links_before_).empty()) << "host links left behind";
  }

  void apply_a(const Impairment& imp, bool create) {
    Status st = netem_apply(sa_.raw(), ia_, imp, create);
    ASSERT_TRUE(st.ok()) << st.error().message();
  }
  void apply_b(const Impairment& imp, bool create) {
    Status st = netem_apply(sb_.raw(), ib_, imp, create);
    ASSERT_TRUE(st.ok()) << st.error().message();
  }
  NetemStats stats_a() {
    auto s = netem_stats(sa_.raw(), ia_);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return s.ok() ? *s : NetemStats{};
  }

  std::set<std::string> links_before_;
  NodeHolder a_, b_;
  NlSocket sa_, sb_;
  int ia_ = 0, ib_ = 0;
};

int64_t realtime_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Receives one datagram with the kernel's receive time (SO_TIMESTAMPNS,
// CLOCK_REALTIME, taken when the packet came off the wire), or -1.
ssize_t recv_stamped(int fd, void* buf, size_t len, int timeout_ms, int64_t* rx_ns, sockaddr_in* from = nullptr) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) != 1) return -1;
  iovec iov{buf, len};
  alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(timespec))];
  msghdr mh{};
  mh.msg_name = from;
  mh.msg_namelen = from != nullptr ? sizeof *from : 0;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctl;
  mh.msg_controllen = sizeof ctl;
  const ssize_t n = ::recvmsg(fd, &mh, 0);
  *rx_ns = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      *rx_ns = int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
    }
  }
  return *rx_ns < 0 ? -1 : n;
}

// Ping-equivalent round trips a -> b -> a of small UDP datagrams, in ms. Like
// ping, the reply's arrival is the kernel's receive timestamp, and the echo
// side's own dwell (its receive stamp to its send) is reported in the reply
// and left out, as a kernel-answered ICMP echo would have none. What remains
// is the path: what netem adds, plus the kernel's own cost, and not when the
// scheduler got round to waking either thread (milliseconds under emulation).
// A probe lost or not answered within 2 s is left out.
std::vector<double> udp_rtts(int ns_a, int ns_b, int count, int warmup) {
  UniqueFd echo = socket_in(ns_b, SOCK_DGRAM, kAddrB, 7007);
  UniqueFd cli = socket_in(ns_a, SOCK_DGRAM, kAddrA, 7008);
  if (!echo.valid() || !cli.valid()) return {};
  const int one = 1;
  if (::setsockopt(echo.get(), SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0 ||
      ::setsockopt(cli.get(), SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0) {
    ADD_FAILURE() << "SO_TIMESTAMPNS: " << std::strerror(errno);
    return {};
  }
  struct Probe {
    uint32_t seq;
    int64_t dwell_ns;
  };
  std::atomic<bool> stop{false};
  std::thread echoer([&] {
    while (!stop) {
      Probe pr{};
      sockaddr_in from{};
      int64_t rx = 0;
      if (recv_stamped(echo.get(), &pr, sizeof pr, 50, &rx, &from) != sizeof pr) continue;
      pr.dwell_ns = realtime_ns() - rx;
      (void)::sendto(echo.get(), &pr, sizeof pr, 0, reinterpret_cast<sockaddr*>(&from), sizeof from);
    }
  });
  std::vector<double> rtts;
  const sockaddr_in to = sin_of(kAddrB, 7007);
  for (uint32_t seq = 0; seq < static_cast<uint32_t>(count + warmup); ++seq) {
    Probe pr{seq, 0};
    const int64_t t0 = realtime_ns();
    (void)::sendto(cli.get(), &pr, sizeof pr, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    for (;;) {
      Probe back{};
      int64_t rx = 0;
      if (recv_stamped(cli.get(), &back, sizeof back, 2000, &rx) != sizeof back) break;
      if (back.seq == seq) {
        if (seq >= static_cast<uint32_t>(warmup)) rtts.push_back(static_cast<double>(rx - t0 - back.dwell_ns) / 1e6);
        break;
      }
    }
  }
  stop = true;
  echoer.join();
  return rtts;
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : (v[(v.size() - 1) / 2] + v[v.size() / 2]) / 2;
}

TEST_F(KernelNetem, DelayTwentyMsEachWayGivesFortyMsRoundTrip) {
  // The same probes without netem first: what the path itself costs (tens of
  // microseconds on hardware, more under emulation).
  const double base = median_of(udp_rtts(a_.netns_fd(), b_.netns_fd(), 20, 3));
  Impairment d;
  d.delay_ns = 20 * kMs;
  apply_a(d, true);
  apply_b(d, true);
  // Warm-up probes first, as above (ARP, cold caches).
  auto rtts = udp_rtts(a_.netns_fd(), b_.netns_fd(), 50, 3);
  ASSERT_EQ(rtts.size(), 50u) << "probes lost on a link without loss";
  std::sort(rtts.begin(), rtts.end());
  const double median = median_of(rtts);
  const double tol = in_vm() ? 5.0 : 1.0;
  std::printf("[info] 20 ms each way: RTT min %.3f median %.3f max %.3f ms; without netem %.3f ms "
              "(tolerance +-%.0f ms)\n",
              rtts.front(), median, rtts.back(), base, tol);
  EXPECT_NEAR(median, 40.0, tol);
  // Strict everywhere: netem never releases a packet early.
  EXPECT_GE(rtts.front(), 40.0 - 0.05);
}

// One-way delays a -> b in ms: each probe carries its send time, and the
// receiver's kernel stamps its arrival (one clock: both ends are this box).
std::vector<double> one_way_ms(int ns_a, int ns_b, int count) {
  UniqueFd rcv = socket_in(ns_b, SOCK_DGRAM, kAddrB, 7012);
  UniqueFd snd = socket_in(ns_a, SOCK_DGRAM, kAddrA, 7013);
  if (!rcv.valid() || !snd.valid()) return {};
  const int one = 1, big = 4 << 20;
  (void)::setsockopt(rcv.get(), SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  (void)::setsockopt(rcv.get(), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  struct Probe {
    uint32_t seq;
    int64_t sent_ns;
  };
  const sockaddr_in to = sin_of(kAddrB, 7012);
  Probe pr{UINT32_MAX, 0};
  int64_t rx = 0;
  // ARP first: its packets are delayed too.
  for (int i = 0; i < 10; ++i) {
    (void)::sendto(snd.get(), &pr, sizeof pr, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    if (recv_stamped(rcv.get(), &pr, sizeof pr, 300, &rx) == sizeof pr) break;
  }
  while (recv_stamped(rcv.get(), &pr, sizeof pr, 100, &rx) >= 0) {
  }
  for (uint32_t seq = 0; seq < static_cast<uint32_t>(count); ++seq) {
    pr = {seq, realtime_ns()};
    (void)::sendto(snd.get(), &pr, sizeof pr, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    ::usleep(1000);
  }
  std::vector<double> out;
  while (recv_stamped(rcv.get(), &pr, sizeof pr, 500, &rx) == sizeof pr) {
    if (pr.seq != UINT32_MAX) out.push_back(static_cast<double>(rx - pr.sent_ns) / 1e6);
  }
  return out;
}

// The kernel keeps a loaded distribution table when a change sends none, so
// a change from normal to uniform jitter must send a uniform table. Checked
// on the early side, which emulation cannot blur (it only makes packets
// late): with normal jitter ~16% of delays fall below mu - sigma, with
// uniform jitter none may.
TEST_F(KernelNetem, ChangeFromNormalToUniformJitterReplacesTheTable) {
  Impairment imp;
  imp.delay_ns = 20 * kMs;
  imp.jitter_ns = 5 * kMs;
  imp.jitter_dist = JitterDist::kNormal;
  apply_a(imp, true);
  constexpr int kProbes = 300;
  auto below = [](const std::vector<double>& v, double x) {
    return std::count_if(v.begin(), v.end(), [x](double d) { return d < x; });
  };
  const auto normal = one_way_ms(a_.netns_fd(), b_.netns_fd(), kProbes);
  ASSERT_EQ(normal.size(), static_cast<size_t>(kProbes));
  imp.jitter_dist = JitterDist::kUniform;
  apply_a(imp, false);
  const auto uniform = one_way_ms(a_.netns_fd(), b_.netns_fd(), kProbes);
  ASSERT_EQ(uniform.size(), static_cast<size_t>(kProbes));
  const auto n_below = below(normal, 15.0), u_below = below(uniform, 15.0 - 0.01);
  std::printf("[info] jitter 20+-5 ms: below 15 ms: normal %ld of %d (expected ~48), uniform %ld; "
              "min %.3f / %.3f ms\n",
              static_cast<long>(n_below), kProbes, static_cast<long>(u_below),
              *std::min_element(normal.begin(), normal.end()), *std::min_element(uniform.begin(), uniform.end()));
  EXPECT_GE(n_below, 20) << "normal jitter did not reach below mu - sigma: was the table loaded?";
  EXPECT_EQ(u_below, 0) << "uniform jitter below mu - sigma: the normal table was kept";
  // Netem never delays by less than mu - 4 sigma (the tables' range) or 0.
  EXPECT_GE(*std::min_element(normal.begin(), normal.end()), 0.0);
}

TEST_F(KernelNetem, ReadBackRoundTripsEveryField) {
  Impairment imp;
  imp.delay_ns = 25 * kMs + 123'456;  // not a whole tick: 64-bit ns are exact
  imp.jitter_ns = 3 * kMs;
  imp.jitter_dist = JitterDist::kNormal;  // loads iproute2's normal.dist
  imp.delay_correlation_ppm = 250'000;
  imp.loss_ppm = 12'345;
  imp.loss_correlation_ppm = 100'000;
  imp.duplicate_ppm = 1'000;
  imp.corrupt_ppm = 500;
  imp.reorder_ppm = 50'000;
  imp.rate_bps = 100'000'000;
  imp.overhead_bytes = -4;
  imp.limit_packets = 777;
  apply_a(imp, true);
  auto back = netem_read(sa_.raw(), ia_);
  ASSERT_TRUE(back.ok()) << back.error().message();
  Impairment want = imp;
  want.jitter_dist = JitterDist::kUniform;  // the kernel never dumps the table
  EXPECT_EQ(*back, want) << "applied: " << describe(imp) << "\nread:    " << describe(*back);
  EXPECT_EQ(back->delay_ns, imp.delay_ns);
  EXPECT_EQ(back->overhead_bytes, -4);

  // A change replaces everything: fields set before and zero now are cleared,
  // a rate above 4 GB/s needs TCA_NETEM_RATE64, a 100% probability saturates.
  Impairment next;
  next.delay_ns = 2 * kMs;
  next.jitter_ns = 1 * kMs;  // uniform: replaces the normal table
  next.loss_ppm = kPpmMax;
  next.rate_bps = 40'000'000'000ull;  // 5e9 bytes/s > UINT32_MAX
  next.limit_packets = 5000;
  apply_a(next, false);
  back = netem_read(sa_.raw(), ia_);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, next) << "applied: " << describe(next) << "\nread:    " << describe(*back);

  // limit 0 means the default for this impairment.
  Impairment dflt;
  dflt.delay_ns = 500 * kMs;
  apply_a(dflt, false);
  back = netem_read(sa_.raw(), ia_);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->limit_packets, default_limit_packets(dflt));
  back->limit_packets = 0;
  EXPECT_EQ(*back, dflt);
}

TEST_F(KernelNetem, GilbertElliottIsAcceptedAndReadBack) {
  Impairment imp;
  imp.delay_ns = 1 * kMs;
  imp.loss_model = LossModel::kGilbertElliott;
  imp.gilbert = {10'000, 300'000, 0, 1'000};
  apply_a(imp, true);
  auto back = netem_read(sa_.raw(), ia_);
  ASSERT_TRUE(back.ok()) << back.error().message();
  Impairment want = imp;
  want.limit_packets = default_limit_packets(imp);  // 0 applied: the default is in force
  EXPECT_EQ(*back, want) << describe(*back);
  // Changing back to random loss drops the GE model (no TCA_NETEM_LOSS).
  Impairment rnd;
  rnd.loss_ppm = 20'000;
  apply_a(rnd, false);
  back = netem_read(sa_.raw(), ia_);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->loss_model, LossModel::kRandom);
  EXPECT_EQ(back->loss_ppm, 20'000u);
  // And to GE again, with every parameter set.
  imp.gilbert = {50'000, 250'000, 100'000, 5'000};
  apply_a(imp, false);
  back = netem_read(sa_.raw(), ia_);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->gilbert, imp.gilbert);
}

TEST_F(KernelNetem, ErrorsCarryErrnoAndContext) {
  Impairment imp;
  imp.delay_ns = 1 * kMs;
  // Nothing to change, read or count yet; removing nothing is fine.
  Status st = netem_apply(sa_.raw(), ia_, imp, false);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().err, ENOENT) << st.error().message();
  auto r = netem_read(sa_.raw(), ia_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().err, ENOENT);
  EXPECT_NE(r.error().message().find("ifindex " + std::to_string(ia_)), std::string::npos) << r.error().message();
  EXPECT_TRUE(netem_remove(sa_.raw(), ia_).ok());

  apply_a(imp, true);
  st = netem_apply(sa_.raw(), ia_, imp, true);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().err, EEXIST) << st.error().message();

  Impairment bytes = imp;
  bytes.limit_bytes = 1 << 20;
  st = netem_apply(sa_.raw(), ia_, bytes, false);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().err, EINVAL);
  EXPECT_NE(st.error().message().find("limit_bytes"), std::string::npos) << st.error().message();

  st = netem_apply(sa_.raw(), 999'999, imp, true);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().err, ENODEV) << st.error().message();

  // A failed request changed nothing.
  auto back = netem_read(sa_.raw(), ia_);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->delay_ns, imp.delay_ns);
}

// A bulk TCP stream a -> b. The sender is paced (SO_MAX_PACING_RATE, TCP's own
// pacing, no fq needed) when pacing_bps is not 0.
struct Stream {
  UniqueFd listener, snd, rcv;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> received{0};
  std::atomic<int> send_errno{0}, recv_errno{0};
  std::thread tx, rx;

  bool start(int ns_a, int ns_b, uint64_t pacing_bps) {
    listener = socket_in(ns_b, SOCK_STREAM, kAddrB, 7009);
    snd = socket_in(ns_a, SOCK_STREAM, 0, 0);
    if (!listener.valid() || !snd.valid() || ::listen(listener.get(), 1) != 0) return false;
    if (pacing_bps != 0) {
      const uint64_t bytes = pacing_bps / 8;
      (void)::setsockopt(snd.get(), SOL_SOCKET, SO_MAX_PACING_RATE, &bytes, sizeof bytes);
    }
    const sockaddr_in to = sin_of(kAddrB, 7009);
    if (::connect(snd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) return false;
    rcv.reset(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!rcv.valid()) return false;
    tx = std::thread([this] {
      static char buf[64 * 1024];
      while (!stop) {
        pollfd p{snd.get(), POLLOUT, 0};
        if (::poll(&p, 1, 50) != 1) continue;
        if (::send(snd.get(), buf, sizeof buf, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
          send_errno = errno;
          return;
        }
      }
    });
    rx = std::thread([this] {
      static char buf[64 * 1024];
      while (!stop) {
        pollfd p{rcv.get(), POLLIN, 0};
        if (::poll(&p, 1, 50) != 1) continue;
        const ssize_t n = ::recv(rcv.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
          received += static_cast<uint64_t>(n);
        } else if (n == 0) {
          recv_errno = EPIPE;  // orderly close: the sender never closes first
          return;
        } else if (errno != EAGAIN) {
          recv_errno = errno;
          return;
        }
      }
    });
    return true;
  }
  void finish() {
    stop = true;
    if (tx.joinable()) tx.join();
    if (rx.joinable()) rx.join();
  }
  ~Stream() { finish(); }
  tcp_info info() const {
    tcp_info ti{};
    socklen_t len = sizeof ti;
    (void)::getsockopt(snd.get(), IPPROTO_TCP, TCP_INFO, &ti, &len);
    return ti;
  }
};

TEST_F(KernelNetem, LiveDelayChangeKeepsTheQdiscAndTheConnection) {
  Impairment imp;
  imp.delay_ns = 10 * kMs;
  apply_a(imp, true);
  Stream s;
  ASSERT_TRUE(s.start(a_.netns_fd(), b_.netns_fd(), 20'000'000));
  ::usleep(1'500'000);
  const NetemStats before = stats_a();
  const uint64_t rx_before = s.received;
  const tcp_info ti0 = s.info();
  const uint32_t retrans_before = ti0.tcpi_total_retrans;

  // Raised, not lowered: a shorter delay would let new packets overtake
  // queued ones (netem orders its queue by due time), a real reordering that
  // TCP may answer with a fast retransmit.
  imp.delay_ns = 30 * kMs;
  apply_a(imp, false);
  auto now = netem_read(sa_.raw(), ia_);
  ASSERT_TRUE(now.ok()) << now.error().message();
  EXPECT_EQ(now->delay_ns, 30 * kMs);
  ::usleep(1'500'000);
  const NetemStats after = stats_a();
  const tcp_info ti = s.info();
  s.finish();

  std::printf("[info] live change 10->30 ms: %llu bytes before, %llu after; retransmits %u before, %u after; "
              "srtt %.1f ms before, %.1f after; qdisc sent %llu then %llu packets, qlen %u, drops %u\n",
              static_cast<unsigned long long>(rx_before), static_cast<unsigned long long>(s.received - rx_before),
              retrans_before, ti.tcpi_total_retrans - retrans_before, ti0.tcpi_rtt / 1000.0, ti.tcpi_rtt / 1000.0,
              static_cast<unsigned long long>(before.packets), static_cast<unsigned long long>(after.packets),
              after.qlen, after.drops);
  EXPECT_EQ(s.send_errno.load(), 0) << std::strerror(s.send_errno);
  EXPECT_EQ(s.recv_errno.load(), 0) << std::strerror(s.recv_errno);
  EXPECT_EQ(ti.tcpi_state, TCP_ESTABLISHED);
  EXPECT_GT(rx_before, 0u);
  EXPECT_GT(s.received - rx_before, 0u) << "the stream stalled after the change";
  // Near zero. The count includes tail-loss probes, which fire when an ACK is
  // later than twice the smoothed RTT: a sudden +20 ms may cost one or two on
  // hardware, and under emulation ACKs run late by milliseconds all the time
  // (seen: up to 4 in 1.5 s without any change). netem's own drop counter,
  // checked below, is the strict check that nothing was lost.
  EXPECT_LE(ti.tcpi_total_retrans - retrans_before, in_vm() ? 6u : 2u);
  EXPECT_GE(ti.tcpi_rtt, 28'000u) << "smoothed RTT did not follow the new delay";
  // Same qdisc: same handle, and its counters went on instead of restarting.
  EXPECT_EQ(before.handle, kNetemHandle);
  EXPECT_EQ(after.handle, kNetemHandle);
  EXPECT_GT(before.packets, 0u);
  EXPECT_GT(after.packets, before.packets);
  EXPECT_GE(after.bytes, before.bytes);
  EXPECT_EQ(after.drops, 0u);
}

TEST_F(KernelNetem, TenPercentLossWithinThreeSigma) {
  Impairment imp;
  imp.loss_ppm = 10 * kPpmPerPercent;
  apply_a(imp, true);
  UniqueFd rcv = socket_in(b_.netns_fd(), SOCK_DGRAM, kAddrB, 7010);
  UniqueFd snd = socket_in(a_.netns_fd(), SOCK_DGRAM, kAddrA, 7011);
  ASSERT_TRUE(rcv.valid() && snd.valid());
  // Room for every probe, so the receiver never drops one itself.
  const int big = 8 << 20;
  ASSERT_EQ(::setsockopt(rcv.get(), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big), 0) << std::strerror(errno);
  // ARP first, over the same lossy link: retry until one probe arrives.
  const sockaddr_in to = sin_of(kAddrB, 7010);
  uint32_t warm = UINT32_MAX;
  for (int i = 0; i < 20; ++i) {
    (void)::sendto(snd.get(), &warm, sizeof warm, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    pollfd p{rcv.get(), POLLIN, 0};
    if (::poll(&p, 1, 200) == 1) break;
  }
  uint32_t got = 0;
  while (::recv(rcv.get(), &got, sizeof got, MSG_DONTWAIT) > 0) {
  }
  const NetemStats s0 = stats_a();

  constexpr int kProbes = 2000;
  for (uint32_t seq = 0; seq < kProbes; ++seq) {
    ASSERT_EQ(::sendto(snd.get(), &seq, sizeof seq, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(sizeof seq))
        << std::strerror(errno);
    if (seq % 50 == 49) ::usleep(1000);  // keep the receiver's backlog queue short
  }
  std::vector<bool> seen(kProbes);
  int received = 0;
  for (;;) {
    pollfd p{rcv.get(), POLLIN, 0};
    if (::poll(&p, 1, 500) != 1) break;
    if (::recv(rcv.get(), &got, sizeof got, 0) == sizeof got && got < kProbes && !seen[got]) {
      seen[got] = true;
      ++received;
    }
  }
  const NetemStats s1 = stats_a();
  const double p = 0.10, n = kProbes;
  const double lost = n - received, sigma = std::sqrt(n * p * (1 - p));
  std::printf("[info] 10%% loss: %d of %d probes lost (expected %.0f +- %.1f at 3 sigma); netem counted %u drops\n",
              kProbes - received, kProbes, n * p, 3 * sigma, s1.drops - s0.drops);
  EXPECT_NEAR(lost, n * p, 3 * sigma);
  // Every missing probe was netem's doing, and netem's counters say so.
  EXPECT_EQ(s1.drops - s0.drops, static_cast<uint32_t>(kProbes - received));
  EXPECT_EQ(s1.packets - s0.packets, static_cast<uint64_t>(received));
}

TEST_F(KernelNetem, TenMbitRateHoldsBulkTcp) {
  Impairment imp;
  imp.rate_bps = 10'000'000;
  apply_a(imp, true);
  Stream s;
  ASSERT_TRUE(s.start(a_.netns_fd(), b_.netns_fd(), 0));
  // Past slow start and the first queue fill, then a measured window.
  ::usleep(700'000);
  const uint64_t b0 = s.received;
  const auto t0 = Clock::now();
  ::usleep(3'000'000);
  const uint64_t b1 = s.received;
  const double secs = ms_since(t0) / 1000;
  const NetemStats st = stats_a();
  s.finish();
  const double mbit = static_cast<double>(b1 - b0) * 8 / secs / 1e6;
  std::printf("[info] rate 10 Mbit/s: bulk TCP goodput %.2f Mbit/s over %.2f s; qdisc drops %u\n", mbit, secs,
              st.drops);
  EXPECT_EQ(s.send_errno.load(), 0) << std::strerror(s.send_errno);
  EXPECT_EQ(s.recv_errno.load(), 0) << std::strerror(s.recv_errno);
  if (in_vm()) {
    EXPECT_LE(mbit, 10.5);
    EXPECT_GT(mbit, 2.0);
  } else {
    // Goodput is below the line rate by the headers (66 of 1514 bytes).
    EXPECT_GE(mbit, 9.0);
    EXPECT_LE(mbit, 10.0);
  }
}

}  // namespace
}  // namespace faultline::netem
