// SPDX-License-Identifier: Apache-2.0
// Loader of partition.bpf.c: one instance per node, attached at clsact ingress
// of each of the node's interfaces. Rules change atomically at run time (the
// inactive rule set is written, then one map update flips to it), and a
// change that fails leaves the rules in force as they were.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"

struct partition_bpf;

namespace faultline::ebpf {

// Addresses and masks in host byte order; zero masks match anything.
struct PartitionRule {
  uint32_t id = 0;           // the caller's id, reported with counters
  uint32_t src_net = 0, src_mask = 0;
  uint32_t dst_net = 0, dst_mask = 0;
  uint8_t proto = 0;         // 0 any, 6 tcp, 17 udp, 1 icmp
  uint16_t dport_lo = 0, dport_hi = 0;
  int64_t flap_on_ns = 0;    // 0: always dropping while installed
  int64_t flap_off_ns = 0;
};

struct RuleCounters {
  uint32_t id = 0;
  uint64_t dropped = 0;
  uint64_t passed = 0;       // matched during a flapping rule's off phase
};

// Rules per node (each source address of a partition is one rule).
inline constexpr size_t kMaxPartitionRules = 64;

class PartitionFilter {
 public:
  // Loads the program and attaches it at ingress of every ifindex (none: the
  // program is only loaded, e.g. to be run by BPF_PROG_TEST_RUN). The calling
  // thread must be in the interfaces' network namespace: a netlink socket
  // opened there is kept, so that detaching later needs neither that thread
  // nor a new one. On error nothing stays attached.
  static Result<PartitionFilter> attach(const std::vector<int>& ifindexes);

  PartitionFilter();
  PartitionFilter(PartitionFilter&&) noexcept;
  PartitionFilter& operator=(PartitionFilter&&) noexcept;
  PartitionFilter(const PartitionFilter&) = delete;
  PartitionFilter& operator=(const PartitionFilter&) = delete;
  ~PartitionFilter();  // detaches and unloads; never throws, starts no thread, allocates nothing

  // Replaces the whole rule set at once. On error the rules in force are
  // unchanged (the flip to the new set is the last step), as rules() says.
  Status set_rules(const std::vector<PartitionRule>& rules);
  const std::vector<PartitionRule>& rules() const { return rules_; }
  // Counters of the rules installed now (summed over CPUs).
  Result<std::vector<RuleCounters>> counters() const;
  // The loaded program, for BPF_PROG_TEST_RUN.
  int program_fd() const;

 private:
  // Removes the filters (and the clsact qdiscs this filter created) over the
  // kept netlink socket, then unloads: no thread, no allocation.
  void detach() noexcept;
  // Counters of the active slot alone.
  Result<std::vector<RuleCounters>> raw_counters() const;
  partition_bpf* skel_ = nullptr;
  UniqueFd netlink_;  // NETLINK_ROUTE, bound to the interfaces' namespace
  struct Hook {
    int ifindex = 0;
    bool own_clsact = false;  // created here: removed with the filter
    bool attached = false;    // the filter is ours (a refused attach leaves another's in place)
  };
  std::vector<Hook> hooks_;
  std::vector<PartitionRule> rules_;
  uint32_t active_ = 0;
  // Counts of rules that survive a change, from the slots before it: each
  // change zeroes the new slot's counters, so they are carried here.
  std::map<uint32_t, RuleCounters> carried_;
};

}  // namespace faultline::ebpf
