// SPDX-License-Identifier: Apache-2.0
// Kernel network objects over rtnetlink with libnl-route: veth pairs created
// directly inside their target namespaces, bridges, addresses, routes, per
// interface forwarding. No `ip` or `tc` commands, no text parsing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/ipv4.hpp"
#include "base/result.hpp"

struct nl_sock;
struct rtnl_link;

namespace faultline::runtime {

// Ipv4Prefix and ipv4_str live in util/ipv4.hpp (the plan uses them too).
using faultline::Ipv4Prefix;
using faultline::ipv4_str;

// A NETLINK_ROUTE socket bound to one network namespace (the one the opening
// thread was in). Move-only; the destructor frees it.
class NlSocket {
 public:
  // Socket in the calling thread's namespace.
  static Result<NlSocket> open();
  // Socket bound to the namespace behind netns_fd (opened on a helper thread).
  static Result<NlSocket> open_in(int netns_fd);

  NlSocket() = default;
  NlSocket(NlSocket&&) noexcept;
  NlSocket& operator=(NlSocket&&) noexcept;
  NlSocket(const NlSocket&) = delete;
  NlSocket& operator=(const NlSocket&) = delete;
  ~NlSocket();

  // Creates a veth pair in one request: `name` lands in namespace ns_fd (-1:
  // this socket's namespace), `peer_name` in peer_ns_fd; when master_ifindex is
  // not 0, `name` is enslaved to that bridge (an ifindex in ns_fd's namespace).
  // Both ends are created administratively up.
  // Cost: one request when either end is in this socket's namespace, plus a
  // helper thread when neither is (a veth peer cannot be created up, so its
  // end is brought up from a socket in its own namespace afterwards).
  Status create_veth(const std::string& name, int ns_fd, const std::string& peer_name, int peer_ns_fd,
                     int master_ifindex = 0);
  // A bridge in this socket's namespace, up, STP off, forward delay 0.
  Status create_bridge(const std::string& name);
  Result<int> ifindex(const std::string& name);
  Status set_up(const std::string& name);
  Status set_master(const std::string& name, int master_ifindex);
  Status add_address(const std::string& ifname, const Ipv4Prefix& p);
  // Route to dst via gateway (host order) out of any interface that reaches it.
  Status add_route(const Ipv4Prefix& dst, uint32_t gateway);
  // net.ipv4.conf.<ifname>.forwarding over netlink (IFLA_AF_SPEC devconf).
  Status set_forwarding(const std::string& ifname, bool on);
  Status delete_link(const std::string& name);
  // Names of links in this namespace that are not yet running (IFF_RUNNING):
  // the kernel turns a new veth's carrier on a moment after creation, and a
  // packet sent before that is dropped (a 1 s SYN retransmit for TCP).
  Result<std::vector<std::string>> not_running();
  // Names of every link in this namespace (for baseline checks).
  Result<std::vector<std::string>> link_names();
  // Counters of every interface in this namespace, by name (one dump).
  struct IfStats {
    uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0, rx_dropped = 0, tx_dropped = 0;
  };
  Result<std::map<std::string, IfStats>> link_stats();

  struct nl_sock* raw() const { return sk_; }
  // Inode of the namespace the socket is bound to.
  uint64_t netns_inode() const { return netns_inode_; }

 private:
  explicit NlSocket(struct nl_sock* sk) : sk_(sk) {}
  // Calls fn on every link of one RTM_GETLINK dump of this namespace.
  Status for_each_link(const std::function<void(rtnl_link*)>& fn);
  // Whether ns_fd (-1: this socket's own) names this socket's namespace.
  bool is_local(int ns_fd) const;
  struct nl_sock* sk_ = nullptr;
  uint64_t netns_inode_ = 0;
};

}  // namespace faultline::runtime
