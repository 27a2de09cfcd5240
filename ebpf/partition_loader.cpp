#include "ebpf/partition_loader.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <algorithm>
#include <cstring>
#include <thread>

#include "partition.h"
#include "partition.skel.h"

namespace faultline::ebpf {

// The kernel and the loader must agree on these layouts byte for byte.
static_assert(sizeof(fl_part_rule) == 56, "fl_part_rule layout changed: update partition.h users");
static_assert(sizeof(fl_part_counters) == 16, "fl_part_counters layout changed");
static_assert(offsetof(fl_part_slot, rules) == 8, "fl_part_slot layout changed");

namespace {

// Runs fn on a short-lived thread inside netns_fd: detaching uses netlink,
// which acts on the calling thread's network namespace.
template <class Fn>
int in_netns_thread(int netns_fd, Fn fn) {
  int rc = 0;
  std::thread t([&] {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) {
      rc = -errno;
      return;
    }
    rc = fn();
  });
  t.join();
  return rc;
}

}  // namespace

PartitionFilter::PartitionFilter() = default;

PartitionFilter::PartitionFilter(PartitionFilter&& o) noexcept
    : skel_(std::exchange(o.skel_, nullptr)),
      netns_(std::move(o.netns_)),
      ifindexes_(std::move(o.ifindexes_)),
      rules_(std::move(o.rules_)),
      active_(o.active_) {}

PartitionFilter& PartitionFilter::operator=(PartitionFilter&& o) noexcept {
  if (this != &o) {
    detach();
    skel_ = std::exchange(o.skel_, nullptr);
    netns_ = std::move(o.netns_);
    ifindexes_ = std::move(o.ifindexes_);
    rules_ = std::move(o.rules_);
    active_ = o.active_;
  }
  return *this;
}

PartitionFilter::~PartitionFilter() { detach(); }

void PartitionFilter::detach() noexcept {
  if (!skel_) return;
  if (netns_.valid()) {
    (void)in_netns_thread(netns_.get(), [&] {
      for (int ifindex : ifindexes_) {
        LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
        LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
        (void)bpf_tc_detach(&hook, &opts);
      }
      return 0;
    });
  }
  partition_bpf__destroy(skel_);
  skel_ = nullptr;
}

Result<PartitionFilter> PartitionFilter::attach(int netns_fd, const std::vector<int>& ifindexes) {
  PartitionFilter f;
  f.netns_.reset(::fcntl(netns_fd, F_DUPFD_CLOEXEC, 0));
  if (!f.netns_.valid()) return sys_error("dup netns fd for the partition filter");
  f.skel_ = partition_bpf__open_and_load();
  if (!f.skel_) return sys_error("load partition.bpf.o (needs BPF and BTF)");
  for (int ifindex : ifindexes) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
    int err = bpf_tc_hook_create(&hook);
    if (err && err != -EEXIST) return sys_error(-err, "create clsact on ifindex " + std::to_string(ifindex));
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(f.skel_->progs.fl_partition_ingress), .handle = 1,
                .priority = 1);
    err = bpf_tc_attach(&hook, &opts);
    if (err) return sys_error(-err, "attach partition filter at ingress of ifindex " + std::to_string(ifindex));
    f.ifindexes_.push_back(ifindex);
  }
  return f;
}

Status PartitionFilter::set_rules(const std::vector<PartitionRule>& rules) {
  if (!skel_) return logic_error("partition filter not attached");
  if (rules.size() > FL_PART_MAX_RULES)
    return sys_error(E2BIG, "at most " + std::to_string(FL_PART_MAX_RULES) + " partition rules per node");
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
