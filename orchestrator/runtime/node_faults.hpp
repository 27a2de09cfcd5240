// SPDX-License-Identifier: Apache-2.0
// Node faults on a live run: CPU quota and memory limit cuts, pause (freezer),
// kill (and start again), restart, CPU and memory hogs inside the node, and a
// partition of every link and segment of the node. Each change is owned by an
// AppliedNodeFault that undoes it on revert() or when it is destroyed, so an
// error, an early return or Ctrl-C in the experiment timeline leaves the node
// as planned. The timeline applies a fault at `at`, reverts it at `at + for`,
// and steps gradual ones (cpu, memory) through a ramp with ramp().
//
// What "as planned" means: the limits of the node's cgroup in the plan (never
// "whatever was there before": two faults on one node may not change the same
// thing at once, so there is nothing else to go back to).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "orchestrator/model/topology.hpp"
#include "orchestrator/runtime/proc.hpp"
#include "orchestrator/runtime/spawn.hpp"

namespace faultline::runtime {

class Run;

enum class NodeFaultKind { kCpu, kMemory, kPause, kKill, kCpuHog, kMemoryHog, kPartition };
const char* to_string(NodeFaultKind k);

struct NodeFaultOptions {
  // Leave gradual faults (cpu, memory) at the plan when applied instead of
  // setting their value: the timeline then moves them with ramp(fraction).
  // Hogs ramp on their own, over ramp_ns from their start.
  bool ramped = false;
  int64_t ramp_ns = 0;
  // cgroup v1 refuses a memory limit below what the node holds (EBUSY) where
  // v2 reclaims and then OOM-kills. On v1 the limit is then pinned at the
  // node's usage and a squeezer (faultline-hog --squeeze) inside the node
  // makes fresh charges until the kernel's OOM killer has freed enough, for at
  // most this long. 0: no squeeze, the EBUSY is returned.
  int squeeze_timeout_ms = 3000;
};

// One applied node fault. Move-only; reverts when destroyed (never throws).
// It refers to the Run it was applied to: destroy it before the Run.
class AppliedNodeFault {
 public:
  AppliedNodeFault() = default;
  AppliedNodeFault(AppliedNodeFault&& o) noexcept;
  AppliedNodeFault& operator=(AppliedNodeFault&& o) noexcept;  // reverts what it held
  AppliedNodeFault(const AppliedNodeFault&) = delete;
  AppliedNodeFault& operator=(const AppliedNodeFault&) = delete;
  ~AppliedNodeFault();

  bool active() const { return run_ != nullptr; }
  NodeFaultKind kind() const { return kind_; }
  const model::NodeId& node() const { return node_; }
  // "cpu 0.2 cores on db", "memory-hog 64 MiB on db", "pause db"
  std::string describe() const;

  // Gradual faults (cpu in millicores, memory in bytes). set() puts the
  // limit at a value now; ramp(f) at origin + f * (target - origin), f in [0, 1].
  // The origin is the planned limit, or where an unlimited node effectively
  // is: all of the host's CPUs; for memory, what the node held when the fault
  // was applied (any higher limit changes nothing). EINVAL for other kinds.
  Status set(uint64_t value);
  Status ramp(double fraction);
  uint64_t value() const { return value_; }
  uint64_t target() const { return target_; }
  uint64_t origin() const { return origin_; }
  uint64_t planned() const { return planned_; }  // what revert() restores (0: unlimited)

  // The hog process of a cpu-hog / memory-hog fault (null otherwise, or once reverted).
  const ProcId* hog() const { return hog_ ? &hog_id_ : nullptr; }

  // Undoes the fault: restores the planned limit, thaws, starts the killed
  // processes again, ends the hog (by its verified pid), heals the partition.
  // Idempotent; afterwards active() is false even when an error is returned
  // (the error says what could not be undone).
  Status revert();
  // Forgets the fault without undoing it: for a run being taken down, which
  // takes every change with it (a killed node need not start again first).
  void release() { run_ = nullptr; }

 private:
  friend struct NodeFaultAccess;
  Run* run_ = nullptr;
  NodeFaultKind kind_ = NodeFaultKind::kCpu;
  model::NodeId node_;
  uint64_t value_ = 0, target_ = 0, origin_ = 0, planned_ = 0;
  int squeeze_timeout_ms_ = 0;
  std::unique_ptr<NodeProcess> hog_;
  ProcId hog_id_;
  std::vector<uint32_t> partitions_;
};

// Each returns the applied fault, or an error with nothing left changed.
Result<AppliedNodeFault> cut_cpu(Run& run, const model::NodeId& node, uint32_t millicores,
                                 const NodeFaultOptions& o = {});
Result<AppliedNodeFault> cut_memory(Run& run, const model::NodeId& node, uint64_t bytes,
                                    const NodeFaultOptions& o = {});
// Freezes every process of the node (v1 freezer or v2 cgroup.freeze).
Result<AppliedNodeFault> pause_node(Run& run, const model::NodeId& node);
// Kills every process in the node's cgroup (each pinned by a pidfd before it
// is signalled); the namespace holder is outside the cgroup, so the node's
// namespaces, interfaces and routes stay. revert() starts the planned
// processes again with the same argv and log files.
Result<AppliedNodeFault> kill_node(Run& run, const model::NodeId& node);
// kill_node and its revert at once: the node's processes are new ones.
Status restart_node(Run& run, const model::NodeId& node);
// A faultline-hog in the node's cgroup and namespaces, burning `millicores`
// of CPU or holding `bytes` of memory; the node's limits act on it.
Result<AppliedNodeFault> start_cpu_hog(Run& run, const model::NodeId& node, uint32_t millicores,
                                       const NodeFaultOptions& o = {});
Result<AppliedNodeFault> start_memory_hog(Run& run, const model::NodeId& node, uint64_t bytes,
                                          const NodeFaultOptions& o = {});
// Drops all traffic from the node and to it (eBPF at the receivers' ingress).
Result<AppliedNodeFault> partition_node(Run& run, const model::NodeId& node);

// The low-level operations, for `faultline fault` at the keyboard.
// A memory limit as cut_memory sets it (with the v1 squeeze).
Status set_node_memory(Run& run, const model::NodeId& node, uint64_t bytes, int squeeze_timeout_ms);
// Kills the node's processes; returns how many tracked processes were ended.
Result<int> kill_node_processes(Run& run, const model::NodeId& node);
// Starts the node's planned processes (none running is expected).
Status start_node_processes(Run& run, const model::NodeId& node);

// One [[fault]] with a node target, as the loader gives it: every part it
// sets (cpu, memory, one action). A restart happens at once and leaves
// nothing to revert. On error the parts already applied are reverted.
// With fault.ramp_ns > 0, cpu and memory stay at the plan until stepped
// with ramp(), and hogs grow over the ramp by themselves.
Result<std::vector<AppliedNodeFault>> apply_node_fault(Run& run, const model::Fault& fault,
                                                       NodeFaultOptions o = {});

}  // namespace faultline::runtime
