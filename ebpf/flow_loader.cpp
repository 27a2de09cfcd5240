// SPDX-License-Identifier: Apache-2.0
#include "ebpf/flow_loader.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <cmath>
#include <limits>
#include <cstring>
#include <memory>
#include <algorithm>
#include <iterator>
#include <utility>

#include "flow.h"
#include "flow.skel.h"

namespace faultline::ebpf {

// The kernel and the loader must agree on these layouts byte for byte.
static_assert(sizeof(fl_flow_key) == 12, "fl_flow_key layout changed: update flow.h users");
static_assert(sizeof(fl_flow_counters) == 80, "fl_flow_counters layout changed");
static_assert(sizeof(fl_flow_drop_key) == 16, "fl_flow_drop_key layout changed");
static_assert(sizeof(fl_runq_counters) == 16 + 8 * FL_RUNQ_BUCKETS, "fl_runq_counters layout changed");
static_assert(sizeof(fl_runq_task) == 32, "fl_runq_task layout changed");

namespace {

struct BtfDeleter {
  void operator()(btf* b) const noexcept { btf__free(b); }
};
using BtfPtr = std::unique_ptr<btf, BtfDeleter>;

// The running kernel's BTF, or null.
BtfPtr vmlinux_btf() { return BtfPtr(btf__load_vmlinux_btf()); }

// Whether the kernel's struct `type` has a member `member`.
bool has_member(const btf* b, const char* type, const char* member) {
  const int id = btf__find_by_name_kind(b, type, BTF_KIND_STRUCT);
  if (id < 0) return false;
  const btf_type* t = btf__type_by_id(b, static_cast<uint32_t>(id));
  const btf_member* m = btf_members(t);
  for (uint16_t i = 0; i < btf_vlen(t); ++i)
    if (std::strcmp(btf__name_by_offset(b, m[i].name_off), member) == 0) return true;
  return false;
}

// The inode of this process's network namespace (0 when unreadable).
uint32_t own_netns() {
  struct stat st{};
  return ::stat("/proc/self/ns/net", &st) == 0 ? static_cast<uint32_t>(st.st_ino) : 0;
}

FlowCounters from_raw(const fl_flow_counters& c) {
  return {c.packets,   c.bytes,          c.drops,        c.retransmits, c.resets_sent, c.resets_received,
          c.connects,  c.connect_failed, c.srtt_us_sum,  c.srtt_samples};
}

// Calls fn(key, values per CPU) for every entry of a per-CPU hash map. An
// entry deleted between the key and its lookup is skipped.
template <class K, class V, class Fn>
Status each_per_cpu(int fd, size_t ncpu, Fn fn) {
  std::vector<V> per_cpu(ncpu);
  K k{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    k = next;
    prev = &k;
    if (bpf_map_lookup_elem(fd, &k, per_cpu.data()) != 0) {
      if (errno == ENOENT) continue;
      return sys_error("look up a map entry");
    }
    fn(k, per_cpu);
  }
  return {};
}

int ncpus() {
  const int n = libbpf_num_possible_cpus();
  return n > 0 ? n : 1;
}

}  // namespace

FlowCounters& FlowCounters::operator+=(const FlowCounters& o) {
  packets += o.packets;
  bytes += o.bytes;
  drops += o.drops;
  retransmits += o.retransmits;
  resets_sent += o.resets_sent;
  resets_received += o.resets_received;
  connects += o.connects;
  connect_failed += o.connect_failed;
  srtt_us_sum += o.srtt_us_sum;
  srtt_samples += o.srtt_samples;
  return *this;
}

FlowCounters FlowCounters::operator-(const FlowCounters& o) const {
  return {packets - o.packets,         bytes - o.bytes,
          drops - o.drops,             retransmits - o.retransmits,
          resets_sent - o.resets_sent, resets_received - o.resets_received,
          connects - o.connects,       connect_failed - o.connect_failed,
          srtt_us_sum - o.srtt_us_sum, srtt_samples - o.srtt_samples};
}

RunqCounters& RunqCounters::operator+=(const RunqCounters& o) {
  delay_ns += o.delay_ns;
  waits += o.waits;
  for (size_t i = 0; i < hist.size(); ++i) hist[i] += o.hist[i];
  return *this;
}

double runq_bucket_upper_s(size_t i) {
  if (i + 1 >= FL_RUNQ_BUCKETS) return std::numeric_limits<double>::infinity();
  return std::ldexp(1e-6, static_cast<int>(i));  // bucket i: under 2^i us
}

FlowMonitor::FlowMonitor() = default;

FlowMonitor::FlowMonitor(FlowMonitor&& o) noexcept
    : skel_(std::exchange(o.skel_, nullptr)),
      links_(std::move(o.links_)),
      hooks_(std::move(o.hooks_)),
      prog_fds_(std::move(o.prog_fds_)),
      watched_(std::move(o.watched_)),
      runq_(o.runq_) {
  o.links_.clear();
}

FlowMonitor& FlowMonitor::operator=(FlowMonitor&& o) noexcept {
  if (this != &o) {
    release();
    skel_ = std::exchange(o.skel_, nullptr);
    links_ = std::move(o.links_);
    o.links_.clear();
    hooks_ = std::move(o.hooks_);
    prog_fds_ = std::move(o.prog_fds_);
    watched_ = std::move(o.watched_);
    runq_ = o.runq_;
  }
  return *this;
}

FlowMonitor::~FlowMonitor() { release(); }

void FlowMonitor::release() noexcept {
  for (bpf_link* l : links_) bpf_link__destroy(l);
  links_.clear();
  prog_fds_.clear();
  watched_.clear();
  if (skel_) flow_bpf__destroy(std::exchange(skel_, nullptr));
}

const char* runq_name(Runq r) {
  switch (r) {
    case Runq::off: return "off";
    case Runq::sched_info: return "sched_info";
    case Runq::wakeups: return "wakeups";
    case Runq::best: return "best";
  }
  return "?";
}

Result<FlowMonitor> FlowMonitor::load(Runq runq) {
  FlowMonitor m;
  m.skel_ = flow_bpf__open();
  if (!m.skel_) return sys_error("open flow.bpf.o");
  const BtfPtr kbtf = vmlinux_btf();
  if (!kbtf) return sys_error(errno ? errno : ENOENT, "read the kernel's BTF (/sys/kernel/btf/vmlinux)");
  // The run-queue delay from the kernel's own accounting costs one program
  // on the switch and no clock read; timing the waits from the wakeups
  // costs three. The first needs the accounting compiled in.
  const bool accounted = has_member(kbtf.get(), "task_struct", "sched_info");
  if (runq == Runq::best) runq = accounted ? Runq::sched_info : Runq::wakeups;
  if (runq == Runq::sched_info && !accounted)
    return sys_error(ENOTSUP, "the kernel keeps no per-task run-queue accounting (task_struct.sched_info, CONFIG_SCHED_INFO)");
  m.runq_ = runq;
  m.skel_->rodata->host_netns = own_netns();
  const struct {
    bpf_program* prog;
    const char* tracepoint;
    Runq runq;  // off: not a run-queue program
  } progs[] = {
      {m.skel_->progs.fl_xmit, "net:net_dev_start_xmit", Runq::off},
      {m.skel_->progs.fl_drop, "skb:kfree_skb", Runq::off},
      {m.skel_->progs.fl_retransmit, "tcp:tcp_retransmit_skb", Runq::off},
      {m.skel_->progs.fl_send_reset, "tcp:tcp_send_reset", Runq::off},
      {m.skel_->progs.fl_receive_reset, "tcp:tcp_receive_reset", Runq::off},
      {m.skel_->progs.fl_set_state, "sock:inet_sock_set_state", Runq::off},
      {m.skel_->progs.fl_switch_info, "sched:sched_switch", Runq::sched_info},
      // A wait begins at a wakeup or preemption and ends at the switch in;
      // without sched_switch none would end.
      {m.skel_->progs.fl_wakeup, "sched:sched_wakeup", Runq::wakeups},
      {m.skel_->progs.fl_wakeup_new, "sched:sched_wakeup_new", Runq::wakeups},
      {m.skel_->progs.fl_switch, "sched:sched_switch", Runq::wakeups},
  };
  static_assert(std::size(progs) == 10, "kSwitch and kWakeups index progs");
  constexpr size_t kSwitch = 9, kWakeups[] = {7, 8};
  // Probe: a tracepoint the kernel has shows in its BTF as btf_trace_<name>.
  // Only the programs of the chosen source of the run-queue delay are hooks.
  size_t wanted = 0;
  std::vector<size_t> used;  // index in progs of each hook
  for (size_t i = 0; i < std::size(progs); ++i) {
    const auto& p = progs[i];
    if (p.runq != Runq::off && p.runq != runq) {
      bpf_program__set_autoload(p.prog, false);
      continue;
    }
    const std::string name = std::strchr(p.tracepoint, ':') + 1;
    FlowHook h{p.tracepoint, false, ""};
    if (btf__find_by_name_kind(kbtf.get(), ("btf_trace_" + name).c_str(), BTF_KIND_TYPEDEF) < 0) {
      h.why_not = "the kernel has no tracepoint " + h.tracepoint;
      bpf_program__set_autoload(p.prog, false);
    } else {
      ++wanted;
    }
    used.push_back(i);
    m.hooks_.push_back(std::move(h));
  }
  auto hook_of = [&](size_t prog) -> FlowHook* {
    const auto it = std::find(used.begin(), used.end(), prog);
    return it == used.end() ? nullptr : &m.hooks_[static_cast<size_t>(it - used.begin())];
  };
  if (runq == Runq::wakeups && !hook_of(kSwitch)->why_not.empty())
    for (size_t i : kWakeups)
      if (FlowHook* h = hook_of(i); h->why_not.empty()) {
        h->why_not = "needs sched:sched_switch, which the kernel lacks";
        bpf_program__set_autoload(progs[i].prog, false);
        --wanted;
      }
  if (wanted == 0) return sys_error(ENOTSUP, "the kernel has none of the flow view's tracepoints");
  if (const int err = flow_bpf__load(m.skel_); err != 0)
    return sys_error(-err, "load flow.bpf.o (needs BPF, BTF and tp_btf programs)");
  size_t attached = 0;
  for (size_t k = 0; k < used.size(); ++k) {
    FlowHook& h = m.hooks_[k];
    const size_t i = used[k];
    m.prog_fds_.push_back(-1);
    if (!h.why_not.empty()) continue;
    bpf_link* l = bpf_program__attach(progs[i].prog);
    if (!l) {
      h.why_not = std::string("attach refused: ") + std::strerror(errno);
      continue;
    }
    m.links_.push_back(l);
    m.prog_fds_.back() = bpf_program__fd(progs[i].prog);
    h.attached = true;
    ++attached;
  }
  if (attached == 0) return sys_error(EPERM, "attach any of the flow view's programs: " + m.hooks_.front().why_not);
  bool counting = false;
  for (const FlowHook& h : m.hooks_)
    if (h.attached && h.tracepoint == "sched:sched_switch") counting = true;
  if (!counting) m.runq_ = Runq::off;
  return m;
}

std::vector<FlowMonitor::ProgramCost> FlowMonitor::costs() const {
  std::vector<ProgramCost> out;
  for (size_t i = 0; i < prog_fds_.size() && i < hooks_.size(); ++i) {
    if (prog_fds_[i] < 0) continue;
    bpf_prog_info info{};
    __u32 len = sizeof info;
    if (bpf_obj_get_info_by_fd(prog_fds_[i], &info, &len) != 0) continue;
    out.push_back({hooks_[i].tracepoint, info.run_cnt, info.run_time_ns});
  }
  return out;
}

Status FlowMonitor::watch(uint64_t netns_inode, uint32_t node) {
  if (!skel_) return logic_error("flow monitor not loaded");
  const uint32_t key = static_cast<uint32_t>(netns_inode);
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.nodes), &key, &node, BPF_ANY) != 0)
    return sys_error("watch network namespace " + std::to_string(netns_inode) + " for flows");
  watched_[netns_inode] = node;
  return {};
}

Status FlowMonitor::unwatch(uint64_t netns_inode) {
  if (!skel_) return logic_error("flow monitor not loaded");
  const uint32_t key = static_cast<uint32_t>(netns_inode);
  if (bpf_map_delete_elem(bpf_map__fd(skel_->maps.nodes), &key) != 0 && errno != ENOENT)
    return sys_error("stop watching network namespace " + std::to_string(netns_inode));
  watched_.erase(netns_inode);
  return {};
}

Result<FlowSnapshot> FlowMonitor::read() const {
  FlowSnapshot s;
  if (!skel_) return s;
  const size_t n = static_cast<size_t>(ncpus());
  Status st = each_per_cpu<fl_flow_key, fl_flow_counters>(
      bpf_map__fd(skel_->maps.flows), n, [&](const fl_flow_key& k, const std::vector<fl_flow_counters>& per_cpu) {
        FlowCounters& c = s.flows[{k.node, ntohl(k.saddr), ntohl(k.daddr)}];
        for (const auto& pc : per_cpu) c += from_raw(pc);
      });
  if (!st.ok()) return wrap(st.error(), "read the flow counters");
  st = each_per_cpu<fl_flow_drop_key, uint64_t>(
      bpf_map__fd(skel_->maps.drop_reasons), n, [&](const fl_flow_drop_key& k, const std::vector<uint64_t>& per_cpu) {
        uint64_t& total = s.drops[{{k.node, ntohl(k.saddr), ntohl(k.daddr)}, k.reason}];
        for (uint64_t v : per_cpu) total += v;
      });
  if (!st.ok()) return wrap(st.error(), "read the flow drop reasons");
  {
    std::vector<fl_runq_counters> per_cpu(n);
    for (const auto& [inode, node] : watched_) {
      if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.runq), &node, per_cpu.data()) != 0)
        return sys_error("read the run-queue delay of node " + std::to_string(node));
      RunqCounters& r = s.runq[node];
      for (const auto& pc : per_cpu) {
        RunqCounters add;
        add.delay_ns = pc.delay_ns;
        add.waits = pc.waits;
        std::copy(std::begin(pc.hist), std::end(pc.hist), add.hist.begin());
        r += add;
      }
    }
  }
  {
    std::vector<uint64_t> per_cpu(n);
    const uint32_t zero = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.lost), &zero, per_cpu.data()) == 0)
      for (uint64_t v : per_cpu) s.lost += v;
  }
  return s;
}

std::string drop_reason_name(uint32_t reason) {
  // Read once: the names are the running kernel's and do not change.
  static const std::map<uint32_t, std::string> names = [] {
    std::map<uint32_t, std::string> out;
    const BtfPtr b = vmlinux_btf();
    if (!b) return out;
    const int id = btf__find_by_name_kind(b.get(), "skb_drop_reason", BTF_KIND_ENUM);
    if (id < 0) return out;
    const btf_type* t = btf__type_by_id(b.get(), static_cast<uint32_t>(id));
    const struct btf_enum* e = btf_enum(t);
    static constexpr std::string_view kPrefix = "SKB_DROP_REASON_";
    for (uint16_t i = 0; i < btf_vlen(t); ++i) {
      std::string name = btf__name_by_offset(b.get(), e[i].name_off);
      if (name.rfind(kPrefix, 0) == 0) name.erase(0, kPrefix.size());
      out[static_cast<uint32_t>(e[i].val)] = name;
    }
    return out;
  }();
  const auto it = names.find(reason);
  return it != names.end() ? it->second : "reason_" + std::to_string(reason);
}

}  // namespace faultline::ebpf
