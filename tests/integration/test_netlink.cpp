// SPDX-License-Identifier: Apache-2.0
// Links, bridges, addresses, routes and forwarding over rtnetlink, checked by
// real TCP traffic between node namespaces.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "orchestrator/runtime/netlink.hpp"
#include "orchestrator/runtime/netns.hpp"
#include "tests/support/kernel_snapshot.hpp"

namespace faultline::runtime {
namespace {

#define REQUIRE_ROOT() \
  if (::geteuid() != 0) GTEST_SKIP() << "needs root"

using Clock = std::chrono::steady_clock;

constexpr uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d) { return a << 24 | b << 16 | c << 8 | d; }

// Host-side names carry the test pid so parallel runs never collide.
std::string tag(const std::string& what) {
  char b[16];
  std::snprintf(b, sizeof b, "l%x%s", static_cast<unsigned>(::getpid()), what.c_str());
  return b;
}

// Records what the test may leave behind and checks, at the end, that the
// kernel is back to where it was: holders' namespaces empty, no tagged host link.
class Baseline {
 public:
  Baseline() : links_(faultline::testing::host_links()) {}
  void watch(const NodeHolder& h) { refs_.push_back(faultline::testing::netns_ref(h.netns_fd())); }
  void watch_link(const std::string& n) { names_.push_back(n); }
  void check() const {
    for (const auto& r : refs_)
      EXPECT_FALSE(faultline::testing::netns_held(r)) << "netns " << r.ino << " still has a process";
    // Interfaces of a dead namespace go away asynchronously (cleanup_net).
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    std::vector<std::string> left;
    do {
      left.clear();
      auto now = faultline::testing::host_links();
      for (const auto& n : names_) {
        if (now.count(n)) left.push_back(n);
      }
      for (const auto& n : now) {
        if (n.rfind(tag(""), 0) == 0 && !links_.count(n)) left.push_back(n);
      }
      if (left.empty()) break;
      ::usleep(10000);
    } while (Clock::now() < deadline);
    EXPECT_TRUE(left.empty()) << "host link left: " << left.front();
  }

 private:
  std::set<std::string> links_;
  std::vector<faultline::testing::NetnsRef> refs_;
  std::vector<std::string> names_;
};

NodeHolder must_spawn() {
  auto h = NodeHolder::spawn({});
  EXPECT_TRUE(h.ok()) << h.error().message();
  return h.ok() ? std::move(*h) : NodeHolder{};
}

NlSocket must_open_in(const NodeHolder& h) {
  auto s = NlSocket::open_in(h.netns_fd());
  EXPECT_TRUE(s.ok()) << s.error().message();
  return s.ok() ? std::move(*s) : NlSocket{};
}

int if_flags_in(int netns_fd, const std::string& ifname) {
  int flags = -1;
  (void)in_netns(netns_fd, [&]() -> Status {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return sys_error("socket");
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname.c_str());
    if (::ioctl(s, SIOCGIFFLAGS, &ifr) == 0) flags = ifr.ifr_flags;
    ::close(s);
    return {};
  });
  return flags;
}

// Up and running: both ends of the wire are up. IFF_RUNNING follows the
// operstate, which the kernel's linkwatch work updates shortly after the
// carrier changes, so it is polled for.
void expect_running(int netns_fd, const std::string& ifname) {
  int f = if_flags_in(netns_fd, ifname);
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (f >= 0 && !(f & IFF_RUNNING) && Clock::now() < deadline) {
    ::usleep(1000);
    f = if_flags_in(netns_fd, ifname);
  }
  ASSERT_GE(f, 0) << ifname << " missing";
  EXPECT_TRUE(f & IFF_UP) << ifname << " not up";
  EXPECT_TRUE(f & IFF_RUNNING) << ifname << " has no carrier";
}

sockaddr_in sin_of(uint32_t addr, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(addr);
  sa.sin_port = htons(port);
  return sa;
}

// A listening TCP socket created inside the namespace (sockets keep the
// namespace they were created in).
UniqueFd listen_in(int netns_fd, uint32_t addr, uint16_t port) {
  UniqueFd out;
  Status st = in_netns(netns_fd, [&]() -> Status {
    UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s.valid()) return sys_error("socket");
    int one = 1;
    ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa = sin_of(addr, port);
    if (::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return sys_error("bind");
    if (::listen(s.get(), 16) != 0) return sys_error("listen");
    out = std::move(s);
    return {};
  });
  EXPECT_TRUE(st.ok()) << st.error().message();
  return out;
}

// Connects from inside netns_fd to addr:port, sends a byte, and checks the
// listener accepts the connection and receives the byte. "" on success.
std::string tcp_roundtrip(int netns_fd, int listener, uint32_t addr, uint16_t port, int timeout_ms = 3000) {
  UniqueFd c;
  Status st = in_netns(netns_fd, [&]() -> Status {
    c.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    return c.valid() ? Status{} : sys_error("socket");
  });
  if (!st) return st.error().message();
  sockaddr_in sa = sin_of(addr, port);
  if (::connect(c.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
    return std::string("connect: ") + std::strerror(errno);
  }
  pollfd p{c.get(), POLLOUT, 0};
  if (::poll(&p, 1, timeout_ms) != 1) return "connect timed out";
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(c.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return std::string("connect: ") + std::strerror(err);
  if (::send(c.get(), "x", 1, MSG_NOSIGNAL) != 1) return "send failed";
  pollfd lp{listener, POLLIN, 0};
  if (::poll(&lp, 1, timeout_ms) != 1) return "accept timed out";
  UniqueFd a(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  if (!a.valid()) return "accept failed";
  pollfd ap{a.get(), POLLIN, 0};
  char b = 0;
  if (::poll(&ap, 1, timeout_ms) != 1 || ::recv(a.get(), &b, 1, 0) != 1 || b != 'x') return "no data";
  return "";
}

std::string read_in(int netns_fd, const std::string& path) {
  std::string out;
  (void)in_netns(netns_fd, [&]() -> Status {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return sys_error("open");
    char buf[64];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) out.assign(buf, static_cast<size_t>(n));
    return {};
  });
  return out;
}

// sysfs shows the namespace of whoever mounted it, so a forked child joins
// the netns, takes a private mount ns and mounts its own /sys to read bridge
// state. The child only makes system calls.
std::string read_sysfs_in(int netns_fd, const char* path) {
  int p[2];
  if (::pipe(p) != 0) return "";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    if (::setns(netns_fd, CLONE_NEWNET) != 0 || ::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("sysfs", "/sys", "sysfs", 0, nullptr) != 0) {
      ::_exit(1);
    }
    int fd = ::open(path, O_RDONLY);
    char buf[64];
    ssize_t n = fd >= 0 ? ::read(fd, buf, sizeof buf) : -1;
    if (n > 0) (void)!::write(p[1], buf, static_cast<size_t>(n));
    ::_exit(0);
  }
  ::close(p[1]);
  std::string out;
  char buf[64];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(p[0]);
  ::waitpid(pid, nullptr, 0);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

TEST(Netlink, OpenRecordsItsNamespace) {
  REQUIRE_ROOT();
  Baseline base;
  {
    auto host = NlSocket::open();
    ASSERT_TRUE(host.ok()) << host.error().message();
    struct stat st {};
    ASSERT_EQ(::stat("/proc/self/ns/net", &st), 0);
    EXPECT_EQ(host->netns_inode(), static_cast<uint64_t>(st.st_ino));
    NodeHolder h = must_spawn();
    base.watch(h);
    NlSocket in = must_open_in(h);
    EXPECT_EQ(in.netns_inode(), h.netns_inode());
    auto names = in.link_names();
    ASSERT_TRUE(names.ok());
    EXPECT_EQ(*names, std::vector<std::string>{"lo"});
  }
  base.check();
}

// Both ends in other namespaces (the orchestrator's usual case from the host).
TEST(Netlink, VethBetweenTwoHoldersCarriesTcp) {
  REQUIRE_ROOT();
  Baseline base;
  {
    NodeHolder a = must_spawn(), b = must_spawn();
    base.watch(a);
    base.watch(b);
    auto host = NlSocket::open();
    ASSERT_TRUE(host.ok());
    auto st = host->create_veth("eth0", a.netns_fd(), "eth0", b.netns_fd());
    ASSERT_TRUE(st.ok()) << st.error().message();
    expect_running(a.netns_fd(), "eth0");
    expect_running(b.netns_fd(), "eth0");

    NlSocket sa = must_open_in(a), sb = must_open_in(b);
    ASSERT_TRUE(sa.add_address("eth0", {ip(10, 210, 0, 1), 30}).ok());
    ASSERT_TRUE(sb.add_address("eth0", {ip(10, 210, 0, 2), 30}).ok());

    UniqueFd l = listen_in(b.netns_fd(), ip(10, 210, 0, 2), 7001);
    ASSERT_TRUE(l.valid());
    EXPECT_EQ(tcp_roundtrip(a.netns_fd(), l.get(), ip(10, 210, 0, 2), 7001), "");
    // An address nobody has: the connect must fail, so the check above means something.
    EXPECT_NE(tcp_roundtrip(a.netns_fd(), l.get(), ip(10, 210, 0, 9), 7001, 300), "");
  }
  base.check();
}

// One end in the socket's own namespace: no helper thread, both ends still up.
TEST(Netlink, VethWithOneLocalEnd) {
  REQUIRE_ROOT();
  Baseline base;
  {
    NodeHolder a = must_spawn(), b = must_spawn();
    base.watch(a);
    base.watch(b);
    NlSocket sa = must_open_in(a);
    // Local main end, remote peer (roles swapped internally).
    auto st = sa.create_veth("m0", -1, "m0p", b.netns_fd());
    ASSERT_TRUE(st.ok()) << st.error().message();
    expect_running(a.netns_fd(), "m0");
    expect_running(b.netns_fd(), "m0p");
    // Remote main end, local peer; the local ns passed as an fd counts as local.
    st = sa.create_veth("r0", b.netns_fd(), "r0p", a.netns_fd());
    ASSERT_TRUE(st.ok()) << st.error().message();
    expect_running(b.netns_fd(), "r0");
    expect_running(a.netns_fd(), "r0p");
    // Both local.
    st = sa.create_veth("q0", -1, "q0p", -1);
    ASSERT_TRUE(st.ok()) << st.error().message();
    expect_running(a.netns_fd(), "q0");
    expect_running(a.netns_fd(), "q0p");
    ASSERT_TRUE(sa.delete_link("q0").ok());
    auto names = sa.link_names();
    ASSERT_TRUE(names.ok());
    EXPECT_EQ(std::set<std::string>(names->begin(), names->end()), (std::set<std::string>{"lo", "m0", "r0p"}));

    // A host end, which must vanish with the holder's namespace.
    auto host = NlSocket::open();
    ASSERT_TRUE(host.ok());
    const std::string h0 = tag("h");
    base.watch_link(h0);
    st = host->create_veth(h0, -1, "eth9", a.netns_fd());
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_TRUE(faultline::testing::host_links().count(h0));
    expect_running(a.netns_fd(), "eth9");
  }
  base.check();
}

TEST(Netlink, ErrorsCarryErrnoAndLeaveNothing) {
  REQUIRE_ROOT();
  Baseline base;
  {
    NodeHolder a = must_spawn(), b = must_spawn();
    base.watch(a);
    base.watch(b);
    NlSocket sa = must_open_in(a);
    ASSERT_TRUE(sa.create_veth("eth0", -1, "eth0", b.netns_fd()).ok());

    auto dup = sa.create_veth("eth0", -1, "other", b.netns_fd());
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().err, EEXIST) << dup.error().message();

    auto missing = sa.ifindex("nope0");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().err, ENODEV) << missing.error().message();

    auto longname = sa.create_veth("this-name-is-too-long", -1, "x", -1);
    ASSERT_FALSE(longname.ok());
    EXPECT_EQ(longname.error().err, EINVAL);

    auto nomaster = sa.create_veth("v1", -1, "v1p", b.netns_fd(), 4242);
    EXPECT_FALSE(nomaster.ok());

    ASSERT_TRUE(sa.add_address("eth0", {ip(10, 211, 0, 1), 24}).ok());
    auto again = sa.add_address("eth0", {ip(10, 211, 0, 1), 24});
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().err, EEXIST);

    auto unreachable = sa.add_route({ip(10, 99, 0, 0), 16}, ip(192, 0, 2, 1));
    ASSERT_FALSE(unreachable.ok());
    EXPECT_EQ(unreachable.error().err, ENETUNREACH) << unreachable.error().message();
    std::printf("[info] kernel error text: %s\n", unreachable.error().message().c_str());

    auto down = sa.set_up("nope0");
    ASSERT_FALSE(down.ok());
    EXPECT_EQ(down.error().err, ENODEV) << down.error().message();
    auto del = sa.delete_link("nope0");
    ASSERT_FALSE(del.ok());
    EXPECT_EQ(del.error().err, ENODEV) << del.error().message();

    // Only what succeeded exists.
    auto na = sa.link_names();
    ASSERT_TRUE(na.ok());
    EXPECT_EQ(std::set<std::string>(na->begin(), na->end()), (std::set<std::string>{"lo", "eth0"}));
    NlSocket sb = must_open_in(b);
    auto nb = sb.link_names();
    ASSERT_TRUE(nb.ok());
    EXPECT_EQ(std::set<std::string>(nb->begin(), nb->end()), (std::set<std::string>{"lo", "eth0"}));
  }
  base.check();
}

// A switch namespace with a bridge and three nodes: a just-enslaved port must
// forward at once (no STP listening/learning delay).
TEST(Netlink, BridgeWithThreePortsForwardsAtOnce) {
  REQUIRE_ROOT();
  Baseline base;
  {
    NodeHolder sw = must_spawn();
    base.watch(sw);
    NlSocket ssw = must_open_in(sw);
    auto st = ssw.create_bridge("br0");
    ASSERT_TRUE(st.ok()) << st.error().message();
    auto br = ssw.ifindex("br0");
    ASSERT_TRUE(br.ok());

    auto host = NlSocket::open();
    ASSERT_TRUE(host.ok());
    std::vector<NodeHolder> nodes;
    std::vector<NlSocket> socks;
    for (int i = 0; i < 3; ++i) {
      nodes.push_back(must_spawn());
      base.watch(nodes.back());
      const std::string port = "p" + std::to_string(i);
      if (i < 2) {
        // From the host: IFLA_MASTER is resolved in the switch namespace.
        st = host->create_veth(port, sw.netns_fd(), "eth0", nodes[i].netns_fd(), *br);
      } else {
        // From the switch's own socket: the local end is enslaved afterwards.
        st = ssw.create_veth(port, -1, "eth0", nodes[i].netns_fd(), *br);
      }
      ASSERT_TRUE(st.ok()) << st.error().message();
      socks.push_back(must_open_in(nodes[i]));
      ASSERT_TRUE(socks[i].add_address("eth0", {ip(10, 212, 0, 1 + i), 24}).ok());
    }
    UniqueFd l0 = listen_in(nodes[0].netns_fd(), ip(10, 212, 0, 1), 7002);
    UniqueFd l2 = listen_in(nodes[2].netns_fd(), ip(10, 212, 0, 3), 7002);
    EXPECT_EQ(tcp_roundtrip(nodes[0].netns_fd(), l2.get(), ip(10, 212, 0, 3), 7002, 2000), "");
    EXPECT_EQ(tcp_roundtrip(nodes[1].netns_fd(), l0.get(), ip(10, 212, 0, 1), 7002, 2000), "");
    EXPECT_EQ(tcp_roundtrip(nodes[2].netns_fd(), l0.get(), ip(10, 212, 0, 1), 7002, 2000), "");

    EXPECT_EQ(read_sysfs_in(sw.netns_fd(), "/sys/class/net/br0/bridge/stp_state"), "0");
    EXPECT_EQ(read_sysfs_in(sw.netns_fd(), "/sys/class/net/br0/bridge/forward_delay"), "0");
    for (int i = 0; i < 3; ++i) {
      const std::string p = "/sys/class/net/br0/brif/p" + std::to_string(i) + "/state";
      EXPECT_EQ(read_sysfs_in(sw.netns_fd(), p.c_str()), "3") << p << " (3 = forwarding)";
    }
  }
  base.check();
}

TEST(Netlink, ForwardingFlag) {
  REQUIRE_ROOT();
  Baseline base;
  {
    NodeHolder a = must_spawn(), b = must_spawn();
    base.watch(a);
    base.watch(b);
    NlSocket sa = must_open_in(a);
    ASSERT_TRUE(sa.create_veth("eth0", -1, "eth0", b.netns_fd()).ok());
    const std::string f = "/proc/sys/net/ipv4/conf/eth0/forwarding";
    EXPECT_EQ(read_in(a.netns_fd(), f), "0\n");
    auto st = sa.set_forwarding("eth0", true);
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_EQ(read_in(a.netns_fd(), f), "1\n");
    EXPECT_EQ(read_in(b.netns_fd(), f), "0\n");  // per interface, per namespace
    ASSERT_TRUE(sa.set_forwarding("eth0", false).ok());
    EXPECT_EQ(read_in(a.netns_fd(), f), "0\n");
  }
  base.check();
}

// Node interfaces have no IPv6 (no DAD/MLD/RS traffic on the wires), lo keeps
// it; a holder spawned with IPv6 left on gets it on new interfaces.
TEST(Netlink, NodeInterfacesHaveNoIpv6) {
  REQUIRE_ROOT();
  Baseline base;
  {
    NodeHolder a = must_spawn(), b = must_spawn();
    HolderSpec v6;
    v6.disable_ipv6 = false;
    auto c = NodeHolder::spawn(v6);
    ASSERT_TRUE(c.ok()) << c.error().message();
    base.watch(a);
    base.watch(b);
    base.watch(*c);
    NlSocket sa = must_open_in(a);
    ASSERT_TRUE(sa.create_veth("eth0", -1, "eth0", b.netns_fd()).ok());
    ASSERT_TRUE(sa.create_veth("eth1", -1, "eth0", c->netns_fd()).ok());
    EXPECT_EQ(read_in(a.netns_fd(), "/proc/sys/net/ipv6/conf/eth0/disable_ipv6"), "1\n");
    EXPECT_EQ(read_in(b.netns_fd(), "/proc/sys/net/ipv6/conf/eth0/disable_ipv6"), "1\n");
    EXPECT_EQ(read_in(a.netns_fd(), "/proc/sys/net/ipv6/conf/lo/disable_ipv6"), "0\n");
    EXPECT_EQ(read_in(c->netns_fd(), "/proc/sys/net/ipv6/conf/eth0/disable_ipv6"), "0\n");
  }
  base.check();
}

// a - b - c on two /30s; c is reachable from a only through b's forwarding
// and the routes on both ends.
TEST(Netlink, RouteThroughMiddleNode) {
  REQUIRE_ROOT();
  Baseline base;
  {
    NodeHolder a = must_spawn(), b = must_spawn(), c = must_spawn();
    base.watch(a);
    base.watch(b);
    base.watch(c);
    NlSocket sa = must_open_in(a), sb = must_open_in(b), sc = must_open_in(c);
    ASSERT_TRUE(sb.create_veth("ab", -1, "ba", a.netns_fd()).ok());
    ASSERT_TRUE(sb.create_veth("cb", -1, "bc", c.netns_fd()).ok());
    ASSERT_TRUE(sa.add_address("ba", {ip(10, 213, 1, 1), 30}).ok());
    ASSERT_TRUE(sb.add_address("ab", {ip(10, 213, 1, 2), 30}).ok());
    ASSERT_TRUE(sb.add_address("cb", {ip(10, 213, 2, 1), 30}).ok());
    ASSERT_TRUE(sc.add_address("bc", {ip(10, 213, 2, 2), 30}).ok());

    UniqueFd l = listen_in(c.netns_fd(), ip(10, 213, 2, 2), 7003);
    // No route yet: a cannot reach c.
    EXPECT_NE(tcp_roundtrip(a.netns_fd(), l.get(), ip(10, 213, 2, 2), 7003, 300), "");

    auto r = sa.add_route({ip(10, 213, 2, 0), 30}, ip(10, 213, 1, 2));
    ASSERT_TRUE(r.ok()) << r.error().message();
    r = sc.add_route({ip(10, 213, 1, 0), 30}, ip(10, 213, 2, 1));
    ASSERT_TRUE(r.ok()) << r.error().message();
    // Routes but no forwarding in b: still nothing.
    EXPECT_NE(tcp_roundtrip(a.netns_fd(), l.get(), ip(10, 213, 2, 2), 7003, 300), "");

    ASSERT_TRUE(sb.set_forwarding("ab", true).ok());
    ASSERT_TRUE(sb.set_forwarding("cb", true).ok());
    EXPECT_EQ(tcp_roundtrip(a.netns_fd(), l.get(), ip(10, 213, 2, 2), 7003), "");
    // A default route works the same way.
    auto d = sa.add_route({0, 0}, ip(10, 213, 1, 2));
    EXPECT_TRUE(d.ok()) << d.error().message();
  }
  base.check();
}

// The whole per-node stack the orchestrator builds: holder (netns, uts, mount
// ns, lo), a veth from the node into a shared bridge, an address and a route.
// Holders come from spawn_many, as the orchestrator would start them.
TEST(Netlink, BringUpCostPerNode) {
  REQUIRE_ROOT();
  int n = 200;
  if (const char* e = ::getenv("FL_PERF_NODES")) n = std::atoi(e);
  ASSERT_GT(n, 0);
  ASSERT_LE(n, 60000);
  Baseline base;
  {
    NodeHolder sw = must_spawn();
    base.watch(sw);
    NlSocket ssw = must_open_in(sw);
    ASSERT_TRUE(ssw.create_bridge("br0").ok());
    ASSERT_TRUE(ssw.add_address("br0", {ip(10, 214, 0, 1), 16}).ok());
    const int br = ssw.ifindex("br0").value();

    std::vector<HolderSpec> specs(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) specs[static_cast<size_t>(i)].hostname = "node" + std::to_string(i);
    const auto t0 = Clock::now();
    auto spawned = NodeHolder::spawn_many(specs);
    std::vector<NodeHolder> nodes;
    nodes.reserve(static_cast<size_t>(n));
    for (auto& h : spawned) {
      ASSERT_TRUE(h.ok()) << h.error().message();
      nodes.push_back(std::move(*h));
    }
    const auto t1 = Clock::now();
    double t_veth = 0, t_addr = 0;
    for (int i = 0; i < n; ++i) {
      auto s0 = Clock::now();
      // From the switch's socket: one end local, so no helper thread.
      auto st = ssw.create_veth("s" + std::to_string(i), -1, "eth0", nodes[static_cast<size_t>(i)].netns_fd(), br);
      ASSERT_TRUE(st.ok()) << i << ": " << st.error().message();
      auto s1 = Clock::now();
      auto ns = NlSocket::open_in(nodes[static_cast<size_t>(i)].netns_fd());
      ASSERT_TRUE(ns.ok());
      const uint32_t addr = ip(10, 214, 0, 0) + 2 + static_cast<uint32_t>(i);
      ASSERT_TRUE(ns->add_address("eth0", {addr, 16}).ok());
      ASSERT_TRUE(ns->add_route({ip(10, 99, 0, 0), 16}, ip(10, 214, 0, 1)).ok());
      auto s2 = Clock::now();
      t_veth += std::chrono::duration<double, std::milli>(s1 - s0).count();
      t_addr += std::chrono::duration<double, std::milli>(s2 - s1).count();
    }
    const auto t2 = Clock::now();
    const double ms_spawn = std::chrono::duration<double, std::milli>(t1 - t0).count() / n;
    const double up = std::chrono::duration<double, std::milli>(t2 - t0).count() / n;
    // The last node reaches the first one across the bridge.
    UniqueFd l = listen_in(nodes[0].netns_fd(), ip(10, 214, 0, 2), 7004);
    EXPECT_EQ(tcp_roundtrip(nodes.back().netns_fd(), l.get(), ip(10, 214, 0, 2), 7004), "");
    l.reset();
    for (auto& h : nodes) base.watch(h);

    const auto t3 = Clock::now();
    ASSERT_TRUE(NodeHolder::kill_many(nodes).ok());
    const auto t4 = Clock::now();
    // The kernel dismantles dead namespaces later (cleanup_net); the switch
    // ends of the veths disappear when it has.
    size_t left = 0;
    do {
      auto names = ssw.link_names();
      ASSERT_TRUE(names.ok());
      left = names->size() - 2;  // lo, br0
      if (left) ::usleep(2000);
    } while (left && Clock::now() - t4 < std::chrono::seconds(60));
    EXPECT_EQ(left, 0u);
    const auto t5 = Clock::now();
    std::printf(
        "[perf] %d nodes: %.3f ms/node up = holder %.3f (spawn_many) + veth into bridge %.3f + "
        "netns socket, address, route %.3f; down: kill+reap %.3f ms/node, kernel cleanup done after %.3f ms/node\n",
        n, up, ms_spawn, t_veth / n, t_addr / n, std::chrono::duration<double, std::milli>(t4 - t3).count() / n,
        std::chrono::duration<double, std::milli>(t5 - t3).count() / n);
  }
  base.check();
}

}  // namespace
}  // namespace faultline::runtime
