// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/netlink.hpp"

#include "base/nl_errno.hpp"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <utility>

#include "orchestrator/runtime/netns.hpp"

namespace faultline::runtime {

namespace {

// The kernel's own answer to the last request on this thread. libnl folds
// kernel errnos into its coarser NLE_* codes and drops the extended ack text
// ("Master device not found", ...); the error callback below keeps both.
// Callbacks run synchronously inside the libnl call on the calling thread, so
// a thread_local needs no locking and no per-socket state.
struct KernelError {
  int err = 0;
  char msg[256] = {};
};
thread_local KernelError t_kerr;

int on_nlmsgerr(struct sockaddr_nl*, struct nlmsgerr* e, void*) {
  t_kerr.err = -e->error;
  nlmsgerr_ext_message(e, t_kerr.msg, sizeof t_kerr.msg);
  return NL_STOP;  // libnl then returns the (mapped) error as it would by default
}


// Turns a failed libnl call into an Error, preferring the kernel's exact errno
// and extended-ack message when the kernel answered.
Error nl_error(int nlerr, const std::string& what) {
  if (t_kerr.err != 0) {
    std::string ctx = what;
    if (t_kerr.msg[0] != '\0') ctx += std::string(" (kernel: ") + t_kerr.msg + ")";
    return Error{t_kerr.err, ctx};
  }
  return Error{nle_to_errno(nlerr), what + ": " + nl_geterror(nlerr)};
}

// A libnl failure that happened before any request was sent (building an
// object): the kernel said nothing, whatever an earlier request left behind.
Error lib_error(int nlerr, const std::string& what) {
  return Error{nle_to_errno(nlerr), what + ": " + nl_geterror(nlerr)};
}

// Runs one libnl request; 0 or positive is success.
template <class F>
Status nl_call(const std::string& what, F&& f) {
  t_kerr = KernelError{};
  int r = f();
  if (r < 0) return nl_error(r, what);
  return {};
}

struct LinkDeleter {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct AddrDeleter {
  void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct RouteDeleter {
  void operator()(rtnl_route* r) const { rtnl_route_put(r); }
};
struct NlAddrDeleter {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct CacheDeleter {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};
struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkDeleter>;
using AddrPtr = std::unique_ptr<rtnl_addr, AddrDeleter>;
using RoutePtr = std::unique_ptr<rtnl_route, RouteDeleter>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrDeleter>;
using CachePtr = std::unique_ptr<nl_cache, CacheDeleter>;
using MsgPtr = std::unique_ptr<nl_msg, MsgDeleter>;

Error no_mem(const std::string& what) { return Error{ENOMEM, what + ": libnl allocation failed"}; }

NlAddrPtr inet_addr(uint32_t host_order, int prefixlen) {
  uint32_t be = htonl(host_order);
  NlAddrPtr a(nl_addr_build(AF_INET, &be, sizeof be));
  if (a) nl_addr_set_prefixlen(a.get(), prefixlen);
  return a;
}

Status check_ifname(const std::string& name, const std::string& what) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return Error{EINVAL, what + ": interface name must be 1.." + std::to_string(IFNAMSIZ - 1) + " bytes"};
  }
  return {};
}

}  // namespace

Result<NlSocket> NlSocket::open() {
  nl_sock* sk = nl_socket_alloc();
  if (sk == nullptr) return no_mem("open rtnetlink socket");
  NlSocket s(sk);
  int r = nl_connect(sk, NETLINK_ROUTE);
  if (r < 0) return lib_error(r, "connect rtnetlink socket");
  const int one = 1;
  // Extended acks carry the kernel's reason for a refusal; capped acks keep
  // the echoed request out of error replies. Both are best effort.
  (void)::setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  (void)::setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  // Dumps of a namespace with many links exceed one page per message batch;
  // peeking lets libnl size its buffer instead of truncating.
  nl_socket_enable_msg_peek(sk);
  nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_nlmsgerr, nullptr);
  // The socket is bound to the namespace of the thread creating it: this one.
  struct stat st {};
  if (::stat("/proc/thread-self/ns/net", &st) != 0) return sys_error("stat /proc/thread-self/ns/net");
  s.netns_inode_ = static_cast<uint64_t>(st.st_ino);
  return s;
}

Result<NlSocket> NlSocket::open_in(int netns_fd) {
  NlSocket out;
  // A netlink socket belongs to the namespace of the thread that created it,
  // for its whole life, so only the creation needs the helper thread.
  Status st = in_netns(netns_fd, [&out]() -> Status {
    auto s = NlSocket::open();
    if (!s) return s.error();
    out = std::move(*s);
    return {};
  });
  if (!st) return wrap(st.error(), "open rtnetlink socket in netns");
  return out;
}

NlSocket::NlSocket(NlSocket&& o) noexcept
    : sk_(std::exchange(o.sk_, nullptr)), netns_inode_(std::exchange(o.netns_inode_, 0)) {}

NlSocket& NlSocket::operator=(NlSocket&& o) noexcept {
  if (this != &o) {
    if (sk_ != nullptr) nl_socket_free(sk_);
    sk_ = std::exchange(o.sk_, nullptr);
    netns_inode_ = std::exchange(o.netns_inode_, 0);
  }
  return *this;
}

bool NlSocket::is_local(int ns_fd) const {
  if (ns_fd < 0) return true;
  struct stat st {};
  return ::fstat(ns_fd, &st) == 0 && static_cast<uint64_t>(st.st_ino) == netns_inode_;
}

NlSocket::~NlSocket() {
  if (sk_ != nullptr) nl_socket_free(sk_);
}

namespace {

// One RTM_NEWLINK addressed by name (ifindex 0): the kernel resolves
// IFLA_IFNAME itself, so no lookup round trip is needed first.
Status change_link_by_name(nl_sock* sk, const std::string& name, const std::string& what,
                           void (*fill)(rtnl_link*, int), int arg) {
  FL_TRY(check_ifname(name, what));
  LinkPtr orig(rtnl_link_alloc());
  LinkPtr change(rtnl_link_alloc());
  if (!orig || !change) return no_mem(what);
  rtnl_link_set_name(orig.get(), name.c_str());
  rtnl_link_set_name(change.get(), name.c_str());
  fill(change.get(), arg);
  return nl_call(what, [&] { return rtnl_link_change(sk, orig.get(), change.get(), 0); });
}

// RTM_NEWLINK for a veth pair: `main` in main_ns (-1: the socket's), up and
// optionally enslaved; `peer` in peer_ns (-1: the socket's), left down. The
// kernel configures the peer before the two are linked, and veth_open refuses
// (ENOTCONN) to open an unlinked veth: a peer can never be created up.
Status add_veth(nl_sock* sk, const std::string& what, const std::string& main, int main_ns, int master,
                const std::string& peer, int peer_ns) {
  LinkPtr link(rtnl_link_veth_alloc());
  if (!link) return no_mem(what);
  rtnl_link_set_name(link.get(), main.c_str());
  if (main_ns >= 0) rtnl_link_set_ns_fd(link.get(), main_ns);
  rtnl_link_set_flags(link.get(), IFF_UP);
  // One queue each way, given at creation: veth allocates one per CPU and,
  // when the count is not given, trims the real count to 1 afterwards, which
  // waits for an expedited RCU grace period per end (synchronize_net under
  // rtnl): the largest wait of a 1000-node bring-up. Same result, no wait.
  rtnl_link_set_num_tx_queues(link.get(), 1);
  rtnl_link_set_num_rx_queues(link.get(), 1);
  // rtnl_newlink applies IFLA_MASTER after registering the device in its
  // target namespace, so the bridge ifindex is looked up there.
  if (master != 0) rtnl_link_set_master(link.get(), master);
  // get_peer takes a reference; the peer itself is owned (and freed) by link.
  rtnl_link* p = rtnl_link_veth_get_peer(link.get());
  if (p == nullptr) return no_mem(what);
  rtnl_link_set_name(p, peer.c_str());
  rtnl_link_set_num_tx_queues(p, 1);
  rtnl_link_set_num_rx_queues(p, 1);
  // Without IFLA_NET_NS_FD in the peer's info the kernel puts the peer in
  // the socket's namespace.
  if (peer_ns >= 0) rtnl_link_set_ns_fd(p, peer_ns);
  rtnl_link_put(p);
  return nl_call(what, [&] { return rtnl_link_add(sk, link.get(), NLM_F_CREATE | NLM_F_EXCL); });
}

}  // namespace

Status NlSocket::create_veth(const std::string& name, int ns_fd, const std::string& peer_name, int peer_ns_fd,
                             int master_ifindex) {
  const std::string what = "create veth " + name + " (peer " + peer_name + ")";
  FL_TRY(check_ifname(name, what));
  FL_TRY(check_ifname(peer_name, what));
  const int main_ns = is_local(ns_fd) ? -1 : ns_fd;
  const int peer_ns = is_local(peer_ns_fd) ? -1 : peer_ns_fd;

  if (peer_ns < 0) {
    // Peer here: create `name` up (and enslaved) wherever it goes, then bring
    // the local peer up on this socket.
    FL_TRY(add_veth(sk_, what, name, main_ns, master_ifindex, peer_name, -1));
    if (auto st = set_up(peer_name); !st) {
      (void)delete_link(peer_name);  // takes both ends with it
      return wrap(st.error(), what);
    }
    return {};
  }
  if (main_ns < 0) {
    // `name` here, peer away: swap the roles so the remote end is the one the
    // kernel creates up, then enslave and raise the local end in one request.
    FL_TRY(add_veth(sk_, what, peer_name, peer_ns, 0, name, -1));
    Status st = change_link_by_name(
        sk_, name, "enslave and bring up " + name,
        [](rtnl_link* l, int m) {
          rtnl_link_set_flags(l, IFF_UP);
          if (m != 0) rtnl_link_set_master(l, m);
        },
        master_ifindex);
    if (!st) {
      (void)delete_link(name);
      return wrap(st.error(), what);
    }
    return {};
  }
  // Both ends away: the peer can only be raised from inside its namespace.
  // Open that socket first so a failure leaves nothing behind.
  auto remote = NlSocket::open_in(peer_ns);
  if (!remote) return wrap(remote.error(), what);
  FL_TRY(add_veth(sk_, what, name, main_ns, master_ifindex, peer_name, peer_ns));
  if (auto st = remote->set_up(peer_name); !st) {
    (void)remote->delete_link(peer_name);
    return wrap(st.error(), what);
  }
  return {};
}

Status NlSocket::create_bridge(const std::string& name) {
  const std::string what = "create bridge " + name;
  FL_TRY(check_ifname(name, what));
  // libnl 3.7 has no setters for the bridge's own IFLA_BR_* options, so the
  // request is built by hand: RTM_NEWLINK { ifinfomsg(up), IFNAME,
  // LINKINFO { KIND "bridge", DATA { STP_STATE 0, FORWARD_DELAY 0 } } }.
  // STP is off by default, and with STP off a new port goes straight to
  // forwarding; forward delay 0 states the intent and also covers a later
  // STP toggle.
  MsgPtr msg(nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL));
  if (!msg) return no_mem(what);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_flags = IFF_UP;
  ifi.ifi_change = IFF_UP;
  if (nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0) return no_mem(what);
  if (nla_put_string(msg.get(), IFLA_IFNAME, name.c_str()) < 0) return no_mem(what);
  nlattr* info = nla_nest_start(msg.get(), IFLA_LINKINFO);
  if (info == nullptr || nla_put_string(msg.get(), IFLA_INFO_KIND, "bridge") < 0) return no_mem(what);
  nlattr* data = nla_nest_start(msg.get(), IFLA_INFO_DATA);
  if (data == nullptr) return no_mem(what);
  // br_changelink applies FORWARD_DELAY before STP_STATE; 0 is only accepted
  // while STP is off, which it is on a new bridge.
  if (nla_put_u32(msg.get(), IFLA_BR_FORWARD_DELAY, 0) < 0 || nla_put_u32(msg.get(), IFLA_BR_STP_STATE, 0) < 0) {
    return no_mem(what);
  }
  nla_nest_end(msg.get(), data);
  nla_nest_end(msg.get(), info);
  // nl_send_sync frees the message whatever happens.
  return nl_call(what, [&] { return nl_send_sync(sk_, msg.release()); });
}

Result<int> NlSocket::ifindex(const std::string& name) {
  const std::string what = "look up interface " + name;
  FL_TRY(check_ifname(name, what));
  rtnl_link* raw = nullptr;
  Status st = nl_call(what, [&] { return rtnl_link_get_kernel(sk_, 0, name.c_str(), &raw); });
  LinkPtr link(raw);
  if (!st) return st.error();
  return rtnl_link_get_ifindex(link.get());
}

Status NlSocket::set_up(const std::string& name) {
  return change_link_by_name(
      sk_, name, "bring " + name + " up", [](rtnl_link* l, int) { rtnl_link_set_flags(l, IFF_UP); }, 0);
}

Status NlSocket::set_master(const std::string& name, int master_ifindex) {
  return change_link_by_name(
      sk_, name, "enslave " + name + " to ifindex " + std::to_string(master_ifindex),
      [](rtnl_link* l, int m) { rtnl_link_set_master(l, m); }, master_ifindex);
}

Status NlSocket::set_forwarding(const std::string& name, bool on) {
  // IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF { FORWARDING } } }: the same
  // per-device flag as net.ipv4.conf.<if>.forwarding, which is what the IPv4
  // input path checks on the receiving interface.
  return change_link_by_name(
      sk_, name, std::string(on ? "enable" : "disable") + " forwarding on " + name,
      [](rtnl_link* l, int v) { rtnl_link_inet_set_conf(l, IPV4_DEVCONF_FORWARDING, static_cast<uint32_t>(v)); },
      on ? 1 : 0);
}

Status NlSocket::delete_link(const std::string& name) {
  const std::string what = "delete link " + name;
  FL_TRY(check_ifname(name, what));
  LinkPtr link(rtnl_link_alloc());
  if (!link) return no_mem(what);
  rtnl_link_set_name(link.get(), name.c_str());
  return nl_call(what, [&] { return rtnl_link_delete(sk_, link.get()); });
}

Status NlSocket::add_address(const std::string& ifname, const Ipv4Prefix& p) {
  const std::string what = "add address " + p.str() + " to " + ifname;
  if (p.len > 32) return Error{EINVAL, what + ": prefix length > 32"};
  auto idx = ifindex(ifname);
  if (!idx) return wrap(idx.error(), what);
  AddrPtr a(rtnl_addr_alloc());
  NlAddrPtr local = inet_addr(p.addr, p.len);
  if (!a || !local) return no_mem(what);
  rtnl_addr_set_ifindex(a.get(), *idx);
  rtnl_addr_set_family(a.get(), AF_INET);
  if (int r = rtnl_addr_set_local(a.get(), local.get()); r < 0) return lib_error(r, what);
  rtnl_addr_set_prefixlen(a.get(), p.len);
  // /31 and /32 have no broadcast address (RFC 3021).
  if (p.len < 31) {
    NlAddrPtr brd = inet_addr(p.addr | ~p.mask(), 32);
    if (!brd) return no_mem(what);
    if (int r = rtnl_addr_set_broadcast(a.get(), brd.get()); r < 0) return lib_error(r, what);
  }
  return nl_call(what, [&] { return rtnl_addr_add(sk_, a.get(), NLM_F_EXCL); });
}

Status NlSocket::add_route(const Ipv4Prefix& dst, uint32_t gateway) {
  const std::string what = "add route " + dst.str() + " via " + ipv4_str(gateway);
  if (dst.len > 32) return Error{EINVAL, what + ": prefix length > 32"};
  RoutePtr r(rtnl_route_alloc());
  NlAddrPtr d = inet_addr(dst.addr, dst.len);
  NlAddrPtr gw = inet_addr(gateway, 32);
  if (!r || !d || !gw) return no_mem(what);
  rtnl_route_set_family(r.get(), AF_INET);
  if (int e = rtnl_route_set_dst(r.get(), d.get()); e < 0) return lib_error(e, what);
  rtnl_route_set_table(r.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(r.get(), RTPROT_STATIC);
  rtnl_route_set_scope(r.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_type(r.get(), RTN_UNICAST);
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  if (nh == nullptr) return no_mem(what);
  // No output interface: the kernel picks the one whose connected prefix
  // holds the gateway, so the planner need not know ifindexes.
  rtnl_route_nh_set_gateway(nh, gw.get());
  rtnl_route_add_nexthop(r.get(), nh);  // the route owns nh from here
  return nl_call(what, [&] { return rtnl_route_add(sk_, r.get(), NLM_F_EXCL); });
}

Status NlSocket::for_each_link(const std::function<void(rtnl_link*)>& fn) {
  nl_cache* raw = nullptr;
  Status st = nl_call("list links", [&] { return rtnl_link_alloc_cache(sk_, AF_UNSPEC, &raw); });
  CachePtr cache(raw);
  if (!st) return st;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o))
    fn(reinterpret_cast<rtnl_link*>(o));
  return {};
}

Result<std::vector<std::string>> NlSocket::not_running() {
  std::vector<std::string> out;
  FL_TRY(for_each_link([&](rtnl_link* l) {
    const unsigned flags = rtnl_link_get_flags(l);
    if ((flags & IFF_UP) && !(flags & IFF_RUNNING) && rtnl_link_get_name(l)) out.emplace_back(rtnl_link_get_name(l));
  }));
  return out;
}

Result<std::vector<std::string>> NlSocket::link_names() {
  std::vector<std::string> names;
  FL_TRY(for_each_link([&](rtnl_link* l) {
    if (const char* n = rtnl_link_get_name(l)) names.emplace_back(n);
  }));
  return names;
}

Result<std::map<std::string, NlSocket::IfStats>> NlSocket::link_stats() {
  std::map<std::string, IfStats> out;
  FL_TRY(for_each_link([&](rtnl_link* l) {
    const char* n = rtnl_link_get_name(l);
    if (n == nullptr) return;
    IfStats& s = out[n];
    s.rx_packets = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS);
    s.tx_packets = rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS);
    s.rx_bytes = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES);
    s.tx_bytes = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES);
    s.rx_dropped = rtnl_link_get_stat(l, RTNL_LINK_RX_DROPPED);
    s.tx_dropped = rtnl_link_get_stat(l, RTNL_LINK_TX_DROPPED);
  }));
  return out;
}

}  // namespace faultline::runtime
