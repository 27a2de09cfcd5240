// SPDX-License-Identifier: Apache-2.0
// Loader of flow.bpf.c: the tracepoint programs of the flow view, loaded once
// per run and attached by name (no tracefs needed). They count, per node and
// per (source, destination) address pair, packets and bytes sent, drops with
// the kernel's reason, TCP retransmissions, resets sent and received,
// connection attempts and those that never completed, and the senders'
// smoothed RTT, for the network namespaces watch() names only; and per node,
// how long its runnable tasks waited for a CPU (the scheduler's run-queue
// delay: from the kernel's per-task accounting read at sched_switch, or on
// kernels without it timed from sched_wakeup/sched_wakeup_new to
// sched_switch).
//
// The programs hang on bpf_link fds this object holds: when it goes (or the
// process that holds it dies) they are detached and unloaded by the kernel.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "base/result.hpp"
#include "ebpf/flow.h"

struct flow_bpf;
struct bpf_link;

namespace faultline::ebpf {

// Addresses in host byte order.
struct FlowKey {
  uint32_t node = 0;  // the index watch() gave the observing namespace
  uint32_t saddr = 0, daddr = 0;
  auto operator<=>(const FlowKey&) const = default;
};

struct FlowCounters {
  uint64_t packets = 0, bytes = 0, drops = 0, retransmits = 0, resets_sent = 0, resets_received = 0, connects = 0,
           connect_failed = 0, srtt_us_sum = 0, srtt_samples = 0;
  FlowCounters& operator+=(const FlowCounters& o);
  // What was counted between an earlier reading `o` and this one.
  FlowCounters operator-(const FlowCounters& o) const;
};

struct FlowDropKey {
  FlowKey flow;
  uint32_t reason = 0;  // the kernel's enum skb_drop_reason
  auto operator<=>(const FlowDropKey&) const = default;
};

// One node's run-queue waits since load (flow.h, struct fl_runq_counters).
struct RunqCounters {
  uint64_t delay_ns = 0, waits = 0;
  std::array<uint64_t, FL_RUNQ_BUCKETS> hist{};  // waits by length (runq_bucket_upper_s)
  RunqCounters& operator+=(const RunqCounters& o);
};
// The upper bound of histogram bucket i in seconds (infinity for the last).
double runq_bucket_upper_s(size_t i);

// Everything counted since load, summed over CPUs.
struct FlowSnapshot {
  std::map<FlowKey, FlowCounters> flows;
  std::map<FlowDropKey, uint64_t> drops;
  std::map<uint32_t, RunqCounters> runq;  // by node index, every watched node
  uint64_t lost = 0;  // events not counted: a map was full
};

// One tracepoint of the flow view and whether it is in use.
struct FlowHook {
  std::string tracepoint;  // "skb:kfree_skb"
  bool attached = false;
  std::string why_not;     // when not attached
};

// Where the run-queue delay comes from. Its programs run on every context
// switch of the host, so the choice is the flow view's main cost.
enum class Runq {
  off,         // not recorded: no scheduler program
  sched_info,  // the kernel's own per-task accounting (task_struct.sched_info,
               // CONFIG_SCHED_INFO) read at sched_switch: one program, no clock
  wakeups,     // each wait timed from sched_wakeup/_new or a preemption to the
               // switch in: three programs, for kernels without sched_info
  best,        // sched_info when the kernel has it, else wakeups
};
const char* runq_name(Runq r);

class FlowMonitor {
 public:
  // Loads and attaches every program whose tracepoint the running kernel's
  // BTF has; the others are skipped, each with its reason (hooks(), which
  // lists the programs of the chosen run-queue source only). An error when
  // none can be attached, BPF itself is refused, or sched_info is asked for
  // on a kernel without it; on error nothing stays loaded.
  static Result<FlowMonitor> load(Runq runq = Runq::best);

  FlowMonitor();
  FlowMonitor(FlowMonitor&&) noexcept;
  FlowMonitor& operator=(FlowMonitor&&) noexcept;
  FlowMonitor(const FlowMonitor&) = delete;
  FlowMonitor& operator=(const FlowMonitor&) = delete;
  ~FlowMonitor();  // detaches and unloads; never throws

  // Counts events in the network namespace of that inode as node `node`'s.
  Status watch(uint64_t netns_inode, uint32_t node);
  Status unwatch(uint64_t netns_inode);

  Result<FlowSnapshot> read() const;
  const std::vector<FlowHook>& hooks() const { return hooks_; }
  // What each attached program cost so far, while the kernel keeps BPF
  // run-time statistics (bpf_enable_stats: the benchmark turns them on).
  struct ProgramCost {
    std::string tracepoint;
    uint64_t runs = 0, run_ns = 0;
  };
  std::vector<ProgramCost> costs() const;
  bool loaded() const { return skel_ != nullptr; }
  // The run-queue source in use: off when its switch program is not attached.
  Runq runq() const { return runq_; }

 private:
  void release() noexcept;
  flow_bpf* skel_ = nullptr;
  std::vector<bpf_link*> links_;
  std::vector<FlowHook> hooks_;
  std::vector<int> prog_fds_;  // of each hook, -1 when not attached (owned by skel_)
  std::map<uint64_t, uint32_t> watched_;  // netns inode -> node index
  Runq runq_ = Runq::off;
};

// The kernel's name of a drop reason ("NO_SOCKET"), from its BTF (enum
// skb_drop_reason, prefix SKB_DROP_REASON_ removed); "reason_N" when unknown.
std::string drop_reason_name(uint32_t reason);

}  // namespace faultline::ebpf
