// SPDX-License-Identifier: Apache-2.0
#include "ebpf/partition_loader.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <algorithm>
#include <cstring>
#include <utility>

#include "partition.h"
#include "partition.skel.h"

namespace faultline::ebpf {

// The kernel and the loader must agree on these layouts byte for byte.
static_assert(sizeof(fl_part_rule) == 56, "fl_part_rule layout changed: update partition.h users");
static_assert(sizeof(fl_part_counters) == 16, "fl_part_counters layout changed");
static_assert(offsetof(fl_part_slot, rules) == 8, "fl_part_slot layout changed");
static_assert(kMaxPartitionRules == FL_PART_MAX_RULES);

namespace {

// Netlink requests to remove what attach() made, on a socket opened in the
// interfaces' namespace: a netlink socket acts in the namespace it was
// created in, whichever thread uses it. Built in a buffer on the stack (the
// teardown path allocates nothing), as libbpf's bpf_tc_detach builds its own.
struct TcRequest {
  nlmsghdr nh;
  tcmsg tc;
  char attrs[16];
};

int tc_delete(int nl, uint16_t type, int ifindex, uint32_t parent, uint32_t handle, uint32_t info,
              const char* kind) noexcept {
  TcRequest req{};
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(tcmsg));
  req.nh.nlmsg_type = type;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.nh.nlmsg_seq = 1;
  req.tc.tcm_family = AF_UNSPEC;
  req.tc.tcm_ifindex = ifindex;
  req.tc.tcm_parent = parent;
  req.tc.tcm_handle = handle;
  req.tc.tcm_info = info;
  if (kind) {
    auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&req) + NLMSG_ALIGN(req.nh.nlmsg_len));
    const size_t len = std::strlen(kind) + 1;
    rta->rta_type = TCA_KIND;
    rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
    std::memcpy(RTA_DATA(rta), kind, len);
    req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
  }
  if (::send(nl, &req, req.nh.nlmsg_len, 0) < 0) return -errno;
  alignas(nlmsghdr) char buf[512];
  for (;;) {
    const ssize_t n = ::recv(nl, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    if (!NLMSG_OK(h, static_cast<unsigned>(n))) return -EPROTO;
    if (h->nlmsg_type != NLMSG_ERROR) continue;
    return static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;  // 0: acknowledged
  }
}

constexpr uint32_t kIngress = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS);
constexpr uint32_t kHandle = 1, kPriority = 1;

}  // namespace

PartitionFilter::PartitionFilter() = default;

PartitionFilter::PartitionFilter(PartitionFilter&& o) noexcept
    : skel_(std::exchange(o.skel_, nullptr)),
      netlink_(std::move(o.netlink_)),
      hooks_(std::move(o.hooks_)),
      rules_(std::move(o.rules_)),
      active_(o.active_),
      carried_(std::move(o.carried_)) {}

PartitionFilter& PartitionFilter::operator=(PartitionFilter&& o) noexcept {
  if (this != &o) {
    detach();
    skel_ = std::exchange(o.skel_, nullptr);
    netlink_ = std::move(o.netlink_);
    hooks_ = std::move(o.hooks_);
    rules_ = std::move(o.rules_);
    active_ = o.active_;
    carried_ = std::move(o.carried_);
  }
  return *this;
}

PartitionFilter::~PartitionFilter() { detach(); }

void PartitionFilter::detach() noexcept {
  if (netlink_.valid()) {
    for (const Hook& h : hooks_) {
      // A clsact made for this filter goes, and its filters with it; on one
      // that was there before, only this filter is removed.
      if (h.own_clsact)
        (void)tc_delete(netlink_.get(), RTM_DELQDISC, h.ifindex, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0), 0, "clsact");
      else if (h.attached)
        (void)tc_delete(netlink_.get(), RTM_DELTFILTER, h.ifindex, kIngress, kHandle,
                        TC_H_MAKE(kPriority << 16, htons(ETH_P_ALL)), "bpf");
    }
  }
  hooks_.clear();  // keeps its storage: no allocation
  netlink_.reset();
  if (skel_) partition_bpf__destroy(std::exchange(skel_, nullptr));
}

int PartitionFilter::program_fd() const { return skel_ ? bpf_program__fd(skel_->progs.fl_partition_ingress) : -1; }

Result<PartitionFilter> PartitionFilter::attach(const std::vector<int>& ifindexes) {
  PartitionFilter f;
  f.netlink_.reset(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!f.netlink_.valid()) return sys_error("open a netlink socket for the partition filter");
  f.skel_ = partition_bpf__open_and_load();
  if (!f.skel_) return sys_error("load partition.bpf.o (needs BPF and BTF)");
  f.hooks_.reserve(ifindexes.size());
  for (int ifindex : ifindexes) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
    int err = bpf_tc_hook_create(&hook);
    if (err && err != -EEXIST) return sys_error(-err, "create clsact on ifindex " + std::to_string(ifindex));
    // Recorded before the filter: an error below removes the clsact too,
    // and never a filter that is not ours.
    f.hooks_.push_back({ifindex, err == 0, false});
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(f.skel_->progs.fl_partition_ingress),
                .handle = kHandle, .priority = kPriority);
    err = bpf_tc_attach(&hook, &opts);
    if (err) return sys_error(-err, "attach partition filter at ingress of ifindex " + std::to_string(ifindex));
    f.hooks_.back().attached = true;
  }
  return f;
}

Status PartitionFilter::set_rules(const std::vector<PartitionRule>& rules) {
  if (!skel_) return logic_error("partition filter not attached");
  if (rules.size() > kMaxPartitionRules)
    return sys_error(E2BIG, "at most " + std::to_string(kMaxPartitionRules) + " partition rules per node");
  // Keep what the rules that stay have counted so far.
  auto before = raw_counters();
  std::map<uint32_t, RuleCounters> carried;
  if (before.ok()) {
    for (const auto& c : before.value()) {
      const bool stays = std::any_of(rules.begin(), rules.end(), [&](const PartitionRule& r) { return r.id == c.id; });
      if (!stays) continue;
      auto& k = carried[c.id];
      k.id = c.id;
      k.dropped += c.dropped;
      k.passed += c.passed;
    }
  }
  for (auto& [id, k] : carried) {
    auto it = carried_.find(id);
    if (it != carried_.end()) {
      k.dropped += it->second.dropped;
      k.passed += it->second.passed;
    }
  }
  const uint32_t next = active_ ^ 1u;
  fl_part_slot slot{};
  slot.nr_rules = static_cast<uint32_t>(rules.size());
  const uint64_t now = [] {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);  // bpf_ktime_get_ns uses the same clock
    return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
  }();
  for (size_t i = 0; i < rules.size(); ++i) {
    const auto& r = rules[i];
    auto& k = slot.rules[i];
    k.src_mask = htonl(r.src_mask);
    k.src_net = htonl(r.src_net & r.src_mask);
    k.dst_mask = htonl(r.dst_mask);
    k.dst_net = htonl(r.dst_net & r.dst_mask);
    k.proto = r.proto;
    k.dport_lo = r.dport_lo;
    k.dport_hi = r.dport_hi;
    k.id = r.id;
    k.flap_on_ns = static_cast<uint64_t>(r.flap_on_ns);
    k.flap_off_ns = static_cast<uint64_t>(r.flap_off_ns);
    k.flap_epoch_ns = now;
  }
  // Zero the counters of the slot about to become active, then publish it.
  const int ncpu = libbpf_num_possible_cpus();
  std::vector<fl_part_counters> zeros(static_cast<size_t>(ncpu > 0 ? ncpu : 1));
  const int cfd = bpf_map__fd(skel_->maps.counters);
  for (uint32_t i = 0; i < FL_PART_MAX_RULES; ++i) {
    const uint32_t key = next * FL_PART_MAX_RULES + i;
    if (bpf_map_update_elem(cfd, &key, zeros.data(), BPF_ANY) != 0) return sys_error("reset partition counters");
  }
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.slots), &next, &slot, BPF_ANY) != 0)
    return sys_error("write partition rules");
  const uint32_t zero = 0;
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.active), &zero, &next, BPF_ANY) != 0)
    return sys_error("activate partition rules");
  active_ = next;
  rules_ = rules;
  carried_ = std::move(carried);
  return {};
}

Result<std::vector<RuleCounters>> PartitionFilter::counters() const {
  auto raw = raw_counters();
  if (!raw.ok()) return raw;
  // Several rules may share an id (one per source address): sum them, once.
  std::map<uint32_t, RuleCounters> by_id;
  for (const auto& c : raw.value()) {
    auto& k = by_id[c.id];
    k.id = c.id;
    k.dropped += c.dropped;
    k.passed += c.passed;
  }
  for (const auto& [id, c] : carried_) {
    auto& k = by_id[id];
    k.id = id;
    k.dropped += c.dropped;
    k.passed += c.passed;
  }
  std::vector<RuleCounters> out;
  for (const auto& [id, c] : by_id) out.push_back(c);
  return out;
}

Result<std::vector<RuleCounters>> PartitionFilter::raw_counters() const {
  std::vector<RuleCounters> out;
  if (!skel_) return out;
  const int ncpu = libbpf_num_possible_cpus();
  std::vector<fl_part_counters> per_cpu(static_cast<size_t>(ncpu > 0 ? ncpu : 1));
  const int cfd = bpf_map__fd(skel_->maps.counters);
  for (size_t i = 0; i < rules_.size(); ++i) {
    const uint32_t key = active_ * FL_PART_MAX_RULES + static_cast<uint32_t>(i);
    if (bpf_map_lookup_elem(cfd, &key, per_cpu.data()) != 0) return sys_error("read partition counters");
    RuleCounters c{rules_[i].id, 0, 0};
    for (const auto& pc : per_cpu) {
      c.dropped += pc.matched_dropped;
      c.passed += pc.matched_passed;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace faultline::ebpf
