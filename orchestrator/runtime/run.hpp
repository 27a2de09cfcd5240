// SPDX-License-Identifier: Apache-2.0
// A live run: the owner of every kernel object and process the plan lists.
// Instantiation records each object in the journal before creating it; the
// destructor (or down()) releases everything in reverse order and never throws.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/links.hpp"
#include "orchestrator/runtime/netlink.hpp"
#include "orchestrator/runtime/netns.hpp"
#include "orchestrator/runtime/process_exit.hpp"
#include "orchestrator/runtime/spawn.hpp"
#include "orchestrator/runtime/state.hpp"

namespace faultline::ebpf {
class FlowMonitor;
}

namespace faultline::runtime {

struct RunOptions {
  std::string file;           // the topology file, recorded for `status`
  bool persistent = false;    // recorded: `up` runs outlive the CLI that started them
  std::string log_dir;        // node logs; default /var/log/faultline/<run>
  bool start_processes = true;
  // Probed by the caller (probe.hpp): partitions need tc clsact and cls_bpf.
  bool clsact_bpf = false;
  // The flow view (ebpf/flow_loader.hpp): tracepoint programs that count
  // what the nodes' kernels see on the wire. Where the kernel refuses them
  // the run goes on without, and flows_unavailable() says why.
  bool flows = true;
};

// Timings of the phases of up/down, for the benchmark and `up -v`.
struct RunTimings {
  // up(): the cgroups are made on a second thread during links and addresses;
  // cgroups_wait_ms is how long up() then still waited for them.
  double cgroups_ms = 0, holders_ms = 0, links_ms = 0, addresses_ms = 0, cgroups_wait_ms = 0, processes_ms = 0;
  // down(): ending the processes and the holders (namespaces), then removing
  // the cgroups.
  double down_processes_ms = 0, down_holders_ms = 0, down_cgroups_ms = 0;
};

class Run {
 public:
  static Result<std::unique_ptr<Run>> up(const plan::Plan& plan, const RunOptions& opts);
  ~Run();
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  // Orderly teardown: processes, holders (and with them every interface),
  // cgroups, the state folder. Idempotent; returns the first error.
  Status down();

  const std::string& name() const { return plan_.run; }
  const plan::Plan& plan() const { return plan_; }
  const std::string& log_dir() const { return log_dir_; }
  // Where workload configurations are written; shared read-only with the nodes.
  std::string workload_dir() const { return journal_.dir() + "/" + plan::kWorkloadDir; }
  const RunTimings& timings() const { return timings_; }
  std::vector<NodeProcess>& processes() { return processes_; }
  Journal& journal() { return journal_; }
  // Tracked processes that ended, in the order they were reaped; each is
  // also in the journal.
  const std::vector<ProcessExit>& exits() const { return exits_; }
  void note_exit(const std::string& node, const ProcId& id, int status);
  // Reaps every tracked process that has ended (note_exit each) and empties
  // its slot.
  void reap_exited();
  Cgroup* cgroup(const std::string& node);
  NodeHolder* holder(const std::string& ns);
  Result<NodeEntry> entry(const std::string& node);
  // Starts one planned process (in its node, logging to its file, recorded in
  // the journal, tracked in processes()) and waits for its port, if it has
  // one. At `up`, and again when a node fault restarts a node.
  Status start_process(const plan::ProcessPlan& p);
  NlSocket* socket(const std::string& ns);
  // Live impairments and partitions; null until the links are up.
  LinkControl* links() { return links_.get(); }
  // The flow view's counters (null when not loaded: flows_unavailable() says
  // why); flow_nodes()[i] is the node the programs call node i.
  const ebpf::FlowMonitor* flows() const { return flows_.get(); }
  const std::vector<std::string>& flow_nodes() const { return flow_nodes_; }
  const std::string& flows_unavailable() const { return flows_off_; }

 private:
  Run() = default;
  Status create_cgroups(const CgroupLayout& layout);
  Status create_holders();
  Status create_links();
  Status configure_addresses();
  Status wait_links_running();
  Status write_workload_configs();
  Status start_processes();
  // Loads the flow view and watches every node's namespace; a refusal is
  // noted in flows_off_, not an error of the run.
  void start_flows();

  plan::Plan plan_;
  RunOptions opts_;
  std::string log_dir_;
  RunTimings timings_;
  Journal journal_;
  // Declaration order is the reverse of release order.
  Cgroup run_cgroup_;
  std::map<std::string, Cgroup> cgroups_;
  std::map<std::string, NodeHolder> holders_;
  std::map<std::string, NlSocket> sockets_;
  std::vector<NodeProcess> processes_;
  // What each started process is, by pid, so that an exit says which
  // workload ended, not only in which node.
  struct Started {
    ProcId id;
    plan::ProcessKind kind;
  };
  std::map<pid_t, Started> started_;
  std::vector<ProcessExit> exits_;
  std::unique_ptr<LinkControl> links_;
  // Released first: its programs watch the namespaces the holders keep.
  std::unique_ptr<ebpf::FlowMonitor> flows_;
  std::vector<std::string> flow_nodes_;
  std::string flows_off_;
  bool down_ = false;
};

std::string default_log_dir(const std::string& run);

}  // namespace faultline::runtime
