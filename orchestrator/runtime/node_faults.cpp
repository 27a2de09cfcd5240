// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/node_faults.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "orchestrator/model/units.hpp"
#include "orchestrator/runtime/binaries.hpp"
#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/links.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::runtime {

// faultline-hog is found as the other programs started in nodes are. Kept
// here rather than in binaries.hpp: only node faults start it.
constexpr Binary kHogBinary{"faultline-hog", "FAULTLINE_HOG", "workloads/hog"};

// The private parts the apply functions fill in.
struct NodeFaultAccess {
  static AppliedNodeFault make(Run& run, NodeFaultKind kind, const model::NodeId& node) {
    AppliedNodeFault f;
    f.run_ = &run;
    f.kind_ = kind;
    f.node_ = node;
    return f;
  }
  static AppliedNodeFault& values(AppliedNodeFault& f, uint64_t value, uint64_t target, uint64_t origin,
                                  uint64_t planned) {
    f.value_ = value;
    f.target_ = target;
    f.origin_ = origin;
    f.planned_ = planned;
    return f;
  }
  static void squeeze(AppliedNodeFault& f, int ms) { f.squeeze_timeout_ms_ = ms; }
  static void hog(AppliedNodeFault& f, NodeProcess p) {
    f.hog_id_ = p.id();
    f.hog_ = std::make_unique<NodeProcess>(std::move(p));
  }
  static void partitions(AppliedNodeFault& f, std::vector<uint32_t> ids) { f.partitions_ = std::move(ids); }
};

namespace {

Result<Cgroup*> node_cgroup(Run& run, const model::NodeId& node) {
  auto* cg = run.cgroup(node);
  if (!cg) return sys_error(ENOENT, "no node '" + node + "' in run " + run.name());
  return cg;
}

Result<const plan::CgroupPlan*> planned(const Run& run, const model::NodeId& node) {
  for (const auto& c : run.plan().cgroups)
    if (c.node == node) return &c;
  return sys_error(ENOENT, "no node '" + node + "' in the plan of run " + run.name());
}

// A process in the node with its output in the node's hog log, recorded in
// the journal (so `faultline cleanup` ends it if the owner dies first).
Result<NodeProcess> spawn_hog(Run& run, const model::NodeId& node, const std::string& name,
                              const std::vector<std::string>& args) {
  auto bin = find_binary(kHogBinary);
  if (!bin.ok()) return bin.error();
  auto e = run.entry(node);
  if (!e.ok()) return e.error();
  std::vector<std::string> argv{bin.value()};
  argv.insert(argv.end(), args.begin(), args.end());
  SpawnOptions so;
  so.log_path = run.log_dir() + "/" + node + ".hog.log";
  so.exe_from_host = true;
  auto p = NodeProcess::spawn(e.value(), argv, so);
  if (!p.ok()) return wrap(p.error(), "start the " + name + " in node " + node);
  FL_TRY(run.journal().process({node, name, p->id()}));
  return std::move(p.value());
}

// Kills one of the run's own processes by its verified id and reaps it, so
// that its real wait status can be recorded. It is our unreaped child, so its
// pid cannot have been reused meanwhile.
Status kill_and_reap(NodeProcess& p, int* status) {
  if (p.exited(status)) return {};
  const ProcId id = p.id();
  Status st = signal_verified(id, SIGKILL);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!p.exited(status)) {
    if (std::chrono::steady_clock::now() > deadline)
      return sys_error(ETIMEDOUT, "kill pid " + std::to_string(id.pid) + ": still alive after 5 s" +
                                      (st.ok() ? "" : " (" + st.error().message() + ")"));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return {};
}

// Ends a hog, reaps it, and records the exit.
Status end_hog(Run& run, NodeProcess& p) {
  const ProcId id = p.id();
  int status = 0;
  Status st = kill_and_reap(p, &status);
  if (st.ok()) {
    (void)p.kill();  // drops the handle; nothing left to signal
    if (id.pid > 0) (void)run.journal().process_exited(id, status);
  }
  return st;
}

// v1: the kernel reclaimed what it could and refused the limit. The limit is
// pinned at what the node holds, so that any fresh charge finds no room, and
// a squeezer inside the node makes such charges: the kernel's OOM killer then
// picks and kills the node's largest process, as a v2 memory.max write does.
// Repeated until the limit fits or the time is up.
Status squeeze_memory(Run& run, const model::NodeId& node, Cgroup& cg, uint64_t bytes, int timeout_ms,
                      const Error& refused) {
  auto sq = spawn_hog(run, node, "memory squeezer", {"--squeeze"});
  if (!sq.ok()) return wrap(sq.error(), refused.message() + "; squeezing the node to its new limit");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  Status st = Error{refused};
  while (std::chrono::steady_clock::now() < deadline) {
    auto u = cg.usage();
    if (u.ok()) (void)cg.set_memory(std::max(bytes, u->memory_bytes));  // may race a charge: next round
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    st = cg.set_memory(bytes);
    if (st.ok() || st.error().err != EBUSY) break;
  }
  (void)end_hog(run, sq.value());
  // The squeezer's own pages are gone with it: one more try.
  if (!st.ok() && st.error().err == EBUSY) st = cg.set_memory(bytes);
  if (st.ok()) return {};
  auto u = cg.usage();
  return Error{st.error().err, "set memory limit of node " + node + " to " + model::units::format_bytes_short(bytes) + ": the node holds " +
                                   (u.ok() ? model::units::format_bytes_short(u->memory_bytes) : std::string("more")) +
                                   " after squeezing for " + std::to_string(timeout_ms) +
                                   " ms (cgroup v1 refuses a limit below usage)"};
}

uint32_t host_millicores() {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return static_cast<uint32_t>(std::max(1L, n) * 1000);
}

}  // namespace

const char* to_string(NodeFaultKind k) {
  switch (k) {
    case NodeFaultKind::kCpu: return "cpu";
    case NodeFaultKind::kMemory: return "memory";
    case NodeFaultKind::kPause: return "pause";
    case NodeFaultKind::kKill: return "kill";
    case NodeFaultKind::kCpuHog: return "cpu-hog";
    case NodeFaultKind::kMemoryHog: return "memory-hog";
    case NodeFaultKind::kPartition: return "partition";
  }
  return "?";
}

// ---------------------------------------------------------------- low-level operations

Status set_node_memory(Run& run, const model::NodeId& node, uint64_t bytes, int squeeze_timeout_ms) {
  auto cg = node_cgroup(run, node);
  if (!cg.ok()) return cg.error();
  Status st = cg.value()->set_memory(bytes);
  if (st.ok() || st.error().err != EBUSY || bytes == 0 || squeeze_timeout_ms <= 0) return st;
  return squeeze_memory(run, node, *cg.value(), bytes, squeeze_timeout_ms, st.error());
}

Result<int> kill_node_processes(Run& run, const model::NodeId& node) {
  auto cg = node_cgroup(run, node);
  if (!cg.ok()) return cg.error();
  // The whole cgroup, not only the processes the run started: a command's
  // children (`sh -c "a | b"`) and whatever `faultline exec` started die too,
  // as in a crashed container. kill_all pins each pid with a pidfd before
  // signalling it, and thaws a frozen node so that the kill takes effect.
  const Status killed = cg.value()->kill_all();
  // Then reap the run's own children and record their exits.
  int n = 0;
  auto& procs = run.processes();
  for (auto it = procs.begin(); it != procs.end();) {
    if (it->node() != node || it->id().pid <= 0) {
      ++it;
      continue;
    }
    const ProcId id = it->id();
    int status = 0;
    // Normally gone already; if kill_all could not finish, by its verified id.
    if (Status st = kill_and_reap(*it, &status); !st.ok()) return wrap(st.error(), "kill node " + node);
    run.note_exit(node, id, status);
    it = procs.erase(it);
    ++n;
  }
  if (!killed.ok()) return wrap(killed.error(), "kill node " + node);
  return n;
}

Status start_node_processes(Run& run, const model::NodeId& node) {
  if (!run.cgroup(node)) return sys_error(ENOENT, "no node '" + node + "' in run " + run.name());
  Status first;
  // In plan order, as at `up`: services listen before the node's load starts.
  for (const auto& p : run.plan().processes) {
    if (p.node != node) continue;
    Status st = run.start_process(p);
    if (!st.ok() && first.ok()) first = wrap(st.error(), "start node " + node + " again");
  }
  return first;
}

// ---------------------------------------------------------------- apply

Result<AppliedNodeFault> cut_cpu(Run& run, const model::NodeId& node, uint32_t millicores, const NodeFaultOptions& o) {
  auto cg = node_cgroup(run, node);
  if (!cg.ok()) return cg.error();
  auto pl = planned(run, node);
  if (!pl.ok()) return pl.error();
  const uint64_t plan = pl.value()->cpu_millicores;
  const uint64_t origin = plan ? plan : host_millicores();
  // A ramp starts where the node is, at its plan: nothing to write yet.
  const uint64_t first = o.ramped ? plan : millicores;
  if (!o.ramped) FL_TRY(cg.value()->set_cpu(static_cast<uint32_t>(first)));
  auto f = NodeFaultAccess::make(run, NodeFaultKind::kCpu, node);
  NodeFaultAccess::values(f, first, millicores, origin, plan);
  return f;
}

Result<AppliedNodeFault> cut_memory(Run& run, const model::NodeId& node, uint64_t bytes, const NodeFaultOptions& o) {
  auto cg = node_cgroup(run, node);
  if (!cg.ok()) return cg.error();
  auto pl = planned(run, node);
  if (!pl.ok()) return pl.error();
  const uint64_t plan = pl.value()->memory_bytes;
  uint64_t origin = plan;
  if (!origin) {
    auto u = cg.value()->usage();
    if (!u.ok()) return u.error();
    origin = std::max(bytes, u->memory_bytes);
  }
  // A ramp starts where the node is, at its plan: nothing to write yet.
  const uint64_t first = o.ramped ? plan : bytes;
  // On error nothing stays changed: a refused v1 write leaves the old limit,
  // and a failed squeeze is undone here.
  if (Status st = o.ramped ? Status() : set_node_memory(run, node, first, o.squeeze_timeout_ms); !st.ok()) {
    (void)cg.value()->set_memory(plan);
    return st.error();
  }
  auto f = NodeFaultAccess::make(run, NodeFaultKind::kMemory, node);
  NodeFaultAccess::values(f, first, bytes, origin, plan);
  NodeFaultAccess::squeeze(f, o.squeeze_timeout_ms);
  return f;
}

Result<AppliedNodeFault> pause_node(Run& run, const model::NodeId& node) {
  auto cg = node_cgroup(run, node);
  if (!cg.ok()) return cg.error();
  if (Status st = cg.value()->freeze(true); !st.ok()) {
    (void)cg.value()->freeze(false);  // a freeze that did not settle must not stay half done
    return wrap(st.error(), "pause node " + node);
  }
  return NodeFaultAccess::make(run, NodeFaultKind::kPause, node);
}

Result<AppliedNodeFault> kill_node(Run& run, const model::NodeId& node) {
  auto n = kill_node_processes(run, node);
  if (!n.ok()) return n.error();
  return NodeFaultAccess::make(run, NodeFaultKind::kKill, node);
}

Status restart_node(Run& run, const model::NodeId& node) {
  auto n = kill_node_processes(run, node);
  if (!n.ok()) return n.error();
  return start_node_processes(run, node);
}

Result<AppliedNodeFault> start_cpu_hog(Run& run, const model::NodeId& node, uint32_t millicores,
                                       const NodeFaultOptions& o) {
  if (millicores == 0) return logic_error("cpu hog in node " + node + ": 0 cores");
  std::vector<std::string> args{"--cpu", model::units::format_cores(millicores)};
  if (o.ramp_ns > 0) args.insert(args.end(), {"--ramp-ms", std::to_string(o.ramp_ns / 1'000'000)});
  auto p = spawn_hog(run, node, "cpu hog", args);
  if (!p.ok()) return p.error();
  auto f = NodeFaultAccess::make(run, NodeFaultKind::kCpuHog, node);
  NodeFaultAccess::values(f, millicores, millicores, 0, 0);
  NodeFaultAccess::hog(f, std::move(p.value()));
  return f;
}

Result<AppliedNodeFault> start_memory_hog(Run& run, const model::NodeId& node, uint64_t bytes,
                                          const NodeFaultOptions& o) {
  if (bytes == 0) return logic_error("memory hog in node " + node + ": 0 bytes");
  std::vector<std::string> args{"--memory", std::to_string(bytes)};
  if (o.ramp_ns > 0) args.insert(args.end(), {"--ramp-ms", std::to_string(o.ramp_ns / 1'000'000)});
  auto p = spawn_hog(run, node, "memory hog", args);
  if (!p.ok()) return p.error();
  auto f = NodeFaultAccess::make(run, NodeFaultKind::kMemoryHog, node);
  NodeFaultAccess::values(f, bytes, bytes, 0, 0);
  NodeFaultAccess::hog(f, std::move(p.value()));
  return f;
}

Result<AppliedNodeFault> partition_node(Run& run, const model::NodeId& node) {
  if (!run.cgroup(node)) return sys_error(ENOENT, "no node '" + node + "' in run " + run.name());
  auto* lc = run.links();
  if (!lc) return sys_error(ENOTCONN, "partition node " + node + ": the run's links are not up");
  PartitionSpec out, in;
  out.from = {node};
  in.to = {node};
  for (const auto& c : run.plan().cgroups) {
    // The fabric (the link engine's namespace) has a cgroup but is no node.
    if (c.node == node || c.node == plan::kFabric) continue;
    out.to.emplace_back(c.node);
    in.from.emplace_back(c.node);
  }
  auto f = NodeFaultAccess::make(run, NodeFaultKind::kPartition, node);
  std::vector<uint32_t> ids;
  if (!out.to.empty()) {
    // One change: both directions are in force, or neither.
    auto made = lc->partition(std::vector<PartitionSpec>{out, in});
    if (!made.ok()) return wrap(made.error(), "partition node " + node);
    ids = std::move(made.value());
  }
  NodeFaultAccess::partitions(f, std::move(ids));
  return f;
}

Result<std::vector<AppliedNodeFault>> apply_node_fault(Run& run, const model::Fault& fault, NodeFaultOptions o) {
  using A = model::Fault::Action;
  if (fault.target.kind != model::FaultTarget::Kind::kNode) return logic_error("not a node fault");
  const model::NodeId& node = fault.target.node;
  o.ramp_ns = fault.ramp_ns;
  o.ramped = fault.ramp_ns > 0;
  std::vector<AppliedNodeFault> out;  // destroyed on error: what was applied reverts
  auto add = [&out](Result<AppliedNodeFault> r) -> Status {
    if (!r.ok()) return r.error();
    out.push_back(std::move(r.value()));
    return {};
  };
  if (fault.cpu_millicores) FL_TRY(add(cut_cpu(run, node, *fault.cpu_millicores, o)));
  if (fault.memory_bytes) FL_TRY(add(cut_memory(run, node, *fault.memory_bytes, o)));
  switch (fault.action) {
    case A::kNone: break;
    case A::kPause: FL_TRY(add(pause_node(run, node))); break;
    case A::kKill: FL_TRY(add(kill_node(run, node))); break;
    case A::kRestart: FL_TRY(restart_node(run, node)); break;
    case A::kCpuHog: FL_TRY(add(start_cpu_hog(run, node, fault.hog_millicores, o))); break;
    case A::kMemoryHog: FL_TRY(add(start_memory_hog(run, node, fault.hog_bytes, o))); break;
    case A::kPartition: FL_TRY(add(partition_node(run, node))); break;
  }
  return out;
}

// ---------------------------------------------------------------- AppliedNodeFault

AppliedNodeFault::AppliedNodeFault(AppliedNodeFault&& o) noexcept
    : run_(o.run_),
      kind_(o.kind_),
      node_(std::move(o.node_)),
      value_(o.value_),
      target_(o.target_),
      origin_(o.origin_),
      planned_(o.planned_),
      squeeze_timeout_ms_(o.squeeze_timeout_ms_),
      hog_(std::move(o.hog_)),
      hog_id_(o.hog_id_),
      partitions_(std::move(o.partitions_)) {
  o.run_ = nullptr;
}

AppliedNodeFault& AppliedNodeFault::operator=(AppliedNodeFault&& o) noexcept {
  if (this != &o) {
    (void)revert();
    run_ = o.run_;
    kind_ = o.kind_;
    node_ = std::move(o.node_);
    value_ = o.value_;
    target_ = o.target_;
    origin_ = o.origin_;
    planned_ = o.planned_;
    squeeze_timeout_ms_ = o.squeeze_timeout_ms_;
    hog_ = std::move(o.hog_);
    hog_id_ = o.hog_id_;
    partitions_ = std::move(o.partitions_);
    o.run_ = nullptr;
  }
  return *this;
}

AppliedNodeFault::~AppliedNodeFault() {
  // Every step of a revert returns errors as values; nothing here can throw
  // except allocation, which terminates as any noexcept destructor would.
  (void)revert();
}

std::string AppliedNodeFault::describe() const {
  switch (kind_) {
    case NodeFaultKind::kCpu: return "cpu " + model::units::format_cores(value_) + " cores on " + node_;
    case NodeFaultKind::kMemory: return "memory " + model::units::format_bytes_short(value_) + " on " + node_;
    case NodeFaultKind::kCpuHog: return "cpu-hog " + model::units::format_cores(target_) + " cores on " + node_;
    case NodeFaultKind::kMemoryHog: return "memory-hog " + model::units::format_bytes_short(target_) + " on " + node_;
    default: return std::string(to_string(kind_)) + " " + node_;
  }
}

Status AppliedNodeFault::set(uint64_t value) {
  if (!run_) return sys_error(EINVAL, "set a fault that is not applied");
  if (kind_ != NodeFaultKind::kCpu && kind_ != NodeFaultKind::kMemory)
    return sys_error(EINVAL, std::string("a ") + to_string(kind_) + " fault has no value to set");
  if (kind_ == NodeFaultKind::kCpu) {
    auto cg = node_cgroup(*run_, node_);
    if (!cg.ok()) return cg.error();
    FL_TRY(cg.value()->set_cpu(static_cast<uint32_t>(value)));
  } else {
    FL_TRY(set_node_memory(*run_, node_, value, squeeze_timeout_ms_));
  }
  value_ = value;
  return {};
}

Status AppliedNodeFault::ramp(double fraction) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  const double v = static_cast<double>(origin_) + fraction * (static_cast<double>(target_) - static_cast<double>(origin_));
  return set(static_cast<uint64_t>(std::llround(v)));
}

Status AppliedNodeFault::revert() {
  if (!run_) return {};
  Run& run = *run_;
  run_ = nullptr;  // whatever happens below, this fault is no longer applied
  const std::string what = std::string("revert ") + to_string(kind_) + " fault on node " + node_;
  auto cg = node_cgroup(run, node_);
  switch (kind_) {
    case NodeFaultKind::kCpu:
      if (!cg.ok()) return cg.error();
      if (Status st = cg.value()->set_cpu(static_cast<uint32_t>(planned_)); !st.ok()) return wrap(st.error(), what);
      return {};
    case NodeFaultKind::kMemory:
      // Raising is the usual way back; a fault that had raised the limit goes
      // back down as a cut would (v1 squeeze included).
      if (Status st = set_node_memory(run, node_, planned_, squeeze_timeout_ms_); !st.ok())
        return wrap(st.error(), what);
      return {};
    case NodeFaultKind::kPause:
      if (!cg.ok()) return cg.error();
      if (Status st = cg.value()->freeze(false); !st.ok()) return wrap(st.error(), what);
      return {};
    case NodeFaultKind::kKill:
      return start_node_processes(run, node_);
    case NodeFaultKind::kCpuHog:
    case NodeFaultKind::kMemoryHog: {
      if (!hog_) return {};
      Status st = end_hog(run, *hog_);
      hog_.reset();
      if (!st.ok()) return wrap(st.error(), what);
      return {};
    }
    case NodeFaultKind::kPartition: {
      Status first;
      auto* lc = run.links();
      for (uint32_t id : partitions_) {
        Status st = lc ? lc->heal(id) : Status(sys_error(ENOTCONN, "no links"));
        if (!st.ok() && first.ok()) first = wrap(st.error(), what);
      }
      partitions_.clear();
      return first;
    }
  }
  return {};
}

}  // namespace faultline::runtime
