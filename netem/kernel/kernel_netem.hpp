// SPDX-License-Identifier: Apache-2.0
// The kernel netem backend: one root netem qdisc (handle 1:) per impaired
// interface, configured over rtnetlink.
//
// libnl 3.7's rtnl_netem_* cannot express rate, 64-bit latency and jitter, the
// Gilbert-Elliott loss model or a live change that keeps the queue, so the
// requests are built here with libnl's message API: TCA_OPTIONS for netem is a
// struct tc_netem_qopt followed by nested TCA_NETEM_* attributes.
//
// Every function takes a NETLINK_ROUTE socket already bound to the namespace
// that owns `ifindex` (e.g. runtime::NlSocket::raw()); nothing here changes
// namespaces, and nothing shells out to tc.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "netem/impairment.hpp"

struct nl_sock;

namespace faultline::netem {

// The handle every netem qdisc of the project has (1:), so that a change can
// address the same qdisc and a reader can tell ours from a default qdisc.
inline constexpr uint32_t kNetemHandle = 0x10000;

// create: add the qdisc; fails with EEXIST if the interface already has a root
// qdisc 1: (NLM_F_CREATE|NLM_F_EXCL).
// !create: change the existing netem 1: in place (NLM_F_REPLACE on the same
// parent and handle: the kernel calls netem_change, which keeps the queued
// packets and the counters; nothing is reset or dropped). ENOENT when there is
// no qdisc 1: to change.
// Every attribute is sent on every call, so a change replaces the whole
// configuration: fields left at zero are cleared, not kept from before.
// A kernel without sch_netem answers EOPNOTSUPP ("... (no sch_netem in this
// kernel)"). The limit is imp.limit_packets, or default_limit_packets(imp).
// Not expressible in netem, refused with EINVAL before anything is sent:
// limit_bytes (netem counts packets only), jitter above INT32_MAX ns (the
// kernel would silently cap it), a rate below 8 bit/s (netem counts bytes).
// Non-uniform jitter distributions load iproute2's table (normal.dist, ...);
// a missing table is ENOENT naming the paths tried.
Status netem_apply(nl_sock* sk, int ifindex, const Impairment& imp, bool create);

// Deletes the root netem qdisc 1:. Idempotent: an interface without one is
// success. A root qdisc of another kind is left alone and reported (EBUSY).
Status netem_remove(nl_sock* sk, int ifindex);

// The configuration of the root netem qdisc, parsed from a dump (for tests and
// `faultline status`). ENOENT when the interface has no root netem qdisc.
// What cannot come back: jitter_dist (the kernel never dumps the distribution
// table, so it reads as kUniform), limit_bytes (netem has none: 0), and rates
// that are not a whole number of bytes per second (netem stores bytes/s, so
// rate_bps reads back as a multiple of 8). limit_packets reads back as the
// limit in force, i.e. the default when 0 was applied.
Result<Impairment> netem_read(nl_sock* sk, int ifindex);

struct NetemStats {
  uint32_t handle = 0;     // the qdisc's handle: stays kNetemHandle across changes
  uint32_t qlen = 0;       // packets queued now
  uint32_t backlog = 0;    // bytes queued now
  uint32_t drops = 0;      // dropped: random loss, GE loss, queue overflow
  uint32_t overlimits = 0;
  uint32_t requeues = 0;
  uint64_t packets = 0;    // sent (dequeued) since the qdisc was created
  uint64_t bytes = 0;
};

// The root netem qdisc's counters (TCA_STATS2). The counters only grow for the
// life of one qdisc, so a change that kept them kept the qdisc.
Result<NetemStats> netem_stats(nl_sock* sk, int ifindex);

// Helpers exposed for unit tests and the VM tier.
namespace detail {
// Percent-in-ppm -> netem's u32 probability: ppm * 2^32 / 1e6, rounded,
// saturating at UINT32_MAX for 100%.
uint32_t ppm_to_prob(uint32_t ppm);
uint32_t prob_to_ppm(uint32_t prob);
// Parses an iproute2 distribution table (text: '#' comments, integers); error
// names the file. Paths tried: $FAULTLINE_TC_DIST_DIR, the multiarch and plain
// iproute2 library folders.
Result<std::vector<int16_t>> load_dist_table(const std::string& name);
// A table that makes netem's table lookup uniform on [mu - sigma, mu + sigma):
// sent on a change to uniform jitter because the kernel keeps a previously
// loaded table when none is sent, and has no way to clear one.
std::vector<int16_t> uniform_dist_table();
}  // namespace detail

}  // namespace faultline::netem
