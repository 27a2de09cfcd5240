// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <new>
#include <nlohmann/json.hpp>

#include "base/atomic_file.hpp"
#include "base/side_task.hpp"
#include "ebpf/flow_loader.hpp"

#include "orchestrator/runtime/cleanup.hpp"
#include "orchestrator/runtime/readiness.hpp"
#include "workloads/spec/config.hpp"

namespace faultline::runtime {

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Runs a step of up or down, turning an exception (std::bad_alloc, say) into
// its error: nothing throws out of ~Run, and the next step still runs. The
// error carries no text, which could not be allocated either.
template <class F>
Status guarded(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Error{ENOMEM, {}};
  } catch (...) {
    return Error{EFAULT, {}};
  }
}

// A workload that has not listened after this long is reported as failed.
constexpr int kListenTimeoutMs = 10'000;

}  // namespace

std::string default_log_dir(const std::string& run) { return "/var/log/faultline/" + run; }

void Run::note_exit(const std::string& node, const ProcId& id, int status) {
  (void)journal_.process_exited(id, status);
  ProcessExit e{node, id, status, {}};
  if (auto it = started_.find(id.pid); it != started_.end() && it->second.id == id) {
    e.kind = std::move(it->second.kind);
    started_.erase(it);
  }
  exits_.push_back(std::move(e));
}

void Run::reap_exited() {
  for (auto& p : processes_) {
    int status = 0;
    if (p.id().pid <= 0 || !p.exited(&status)) continue;
    note_exit(p.node(), p.id(), status);
    p = NodeProcess();
  }
}

Cgroup* Run::cgroup(const std::string& node) {
  auto it = cgroups_.find(node);
  return it == cgroups_.end() ? nullptr : &it->second;
}

NodeHolder* Run::holder(const std::string& ns) {
  auto it = holders_.find(ns);
  return it == holders_.end() ? nullptr : &it->second;
}

NlSocket* Run::socket(const std::string& ns) {
  auto it = sockets_.find(ns);
  return it == sockets_.end() ? nullptr : &it->second;
}

Result<NodeEntry> Run::entry(const std::string& node) {
  auto* h = holder(node);
  auto* cg = cgroup(node);
  if (!h || !cg) return sys_error(ENOENT, "no node '" + node + "' in run " + plan_.run);
  auto fds = cg->open_procs_for_join();
  if (!fds.ok()) return fds.error();
  return NodeEntry::open(node, h->id(), std::move(fds.value()));
}

Result<std::unique_ptr<Run>> Run::up(const plan::Plan& plan, const RunOptions& opts) {
  if (!valid_run_name(plan.run)) return logic_error("invalid run name '" + plan.run + "'");
  auto layout = CgroupLayout::probe();
  if (!layout.ok()) return layout.error();

  std::unique_ptr<Run> run(new Run());
  run->plan_ = plan;
  run->opts_ = opts;
  run->log_dir_ = opts.log_dir.empty() ? default_log_dir(plan.run) : opts.log_dir;

  auto journal = Journal::create(plan.run);
  if (!journal.ok()) {
    if (journal.error().err == EEXIST)
      return sys_error(EEXIST, "a run named '" + plan.run + "' exists (see `faultline status`; `faultline down " +
                                   plan.run + "` or choose another --name)");
    return journal.error();
  }
  run->journal_ = std::move(journal.value());
  std::vector<std::string> nodes;
  for (const auto& ns : plan.namespaces)
    if (!ns.is_fabric) nodes.push_back(ns.name);
  FL_TRY(run->journal_.run_started(opts.file, opts.persistent, nodes));

  std::error_code ec;
  std::filesystem::create_directories(run->log_dir_, ec);
  if (ec) return sys_error(ec.value(), "create log folder " + run->log_dir_);
  std::filesystem::create_directories(run->journal_.dir() + "/hosts", ec);
  if (ec) return sys_error(ec.value(), "create " + run->journal_.dir() + "/hosts");
  // Workload configurations: the plan names their paths; nodes see the folder.
  std::filesystem::create_directories(run->workload_dir(), ec);
  if (ec) return sys_error(ec.value(), "create " + run->workload_dir());
  for (const auto& p : plan.processes)
    if (!p.config_path.empty() && std::filesystem::path(p.config_path).parent_path() != run->workload_dir())
      return logic_error("the plan puts " + p.config_path + " outside the run's workload folder " +
                         run->workload_dir() + " (planned for another state folder?)");

  // On any error the partly built run is torn down by ~Run before returning.
  // Cgroups and namespaces do not depend on each other (holders stay outside
  // the node cgroups; node processes join theirs later), so the cgroups are
  // made on a second thread, and while the links are: creating namespaces
  // already keeps both CPUs of a small host busy (holders are spawned several
  // at a time), whereas link creation is serialised on the kernel's rtnl lock
  // and leaves the other CPU idle, and cgroups need no rtnl. Journal records
  // from both threads are single O_APPEND writes.
  auto t0 = std::chrono::steady_clock::now();
  FL_TRY(run->create_holders());
  run->timings_.holders_ms = ms_since(t0);
  {
    Status cgroups;
    auto make_cgroups = [&]() noexcept {
      const auto c0 = std::chrono::steady_clock::now();
      cgroups = guarded([&] { return run->create_cgroups(layout.value()); });
      run->timings_.cgroups_ms = ms_since(c0);
    };
    // Where no second thread can start, the cgroups are made at join().
    SideTask cg(make_cgroups);
    t0 = std::chrono::steady_clock::now();
    Status links = run->create_links();
    run->timings_.links_ms = ms_since(t0);
    t0 = std::chrono::steady_clock::now();
    if (links.ok()) links = run->configure_addresses();
    if (links.ok()) links = run->wait_links_running();
    run->timings_.addresses_ms = ms_since(t0);
    t0 = std::chrono::steady_clock::now();
    cg.join();
    run->timings_.cgroups_wait_ms = ms_since(t0);
    FL_TRY(cgroups);
    FL_TRY(links);
  }
  {
    auto lc = LinkControl::start(*run, opts.clsact_bpf);
    if (!lc.ok()) return lc.error();
    run->links_ = std::move(lc.value());
  }
  // Before the processes, so that their first connections are seen.
  if (opts.flows)
    run->start_flows();
  else
    run->flows_off_ = "turned off";
  if (opts.start_processes) {
    t0 = std::chrono::steady_clock::now();
    FL_TRY(run->start_processes());
    run->timings_.processes_ms = ms_since(t0);
  }
  FL_TRY(run->journal_.ready());
  return run;
}

void Run::start_flows() {
  auto m = ebpf::FlowMonitor::load();
  if (!m.ok()) {
    flows_off_ = m.error().message();
    return;
  }
  auto owned = std::make_unique<ebpf::FlowMonitor>(std::move(m.value()));
  for (const auto& ns : plan_.namespaces) {
    if (ns.is_fabric) continue;
    auto it = holders_.find(ns.name);
    if (it == holders_.end()) continue;
    const Status st = owned->watch(it->second.netns_inode(), static_cast<uint32_t>(flow_nodes_.size()));
    if (!st.ok()) {
      flows_off_ = st.error().message();
      flow_nodes_.clear();
      return;
    }
    flow_nodes_.push_back(ns.name);
  }
  flows_ = std::move(owned);
}

Status Run::create_cgroups(const CgroupLayout& layout) {
  const std::string parent = plan::run_cgroup_path(plan_.run);
  FL_TRY(journal_.cgroup(parent));
  auto p = Cgroup::create(layout, parent);
  if (!p.ok()) return p.error();
  run_cgroup_ = std::move(p.value());
  for (const auto& c : plan_.cgroups) {
    FL_TRY(journal_.cgroup(c.rel_path));
    auto cg = Cgroup::create(layout, c.rel_path);
    if (!cg.ok()) return cg.error();
    // A fresh cgroup is unlimited: only the limits the plan sets are written
    // (three writes fewer per node for nodes without limits).
    if (c.cpu_millicores) FL_TRY(cg->set_cpu(c.cpu_millicores));
    if (c.memory_bytes) FL_TRY(cg->set_memory(c.memory_bytes));
    if (c.pids) FL_TRY(cg->set_pids(c.pids));
    cgroups_.emplace(c.node, std::move(cg.value()));
  }
  return {};
}

Status Run::create_holders() {
  // Nodes that see every name at the same address (all of a star's) share one
  // file: a 1000-node star wrote 1000 files of 1000 lines (30 MB, 0.4 s).
  std::map<std::string, std::string> hosts_file;  // node -> file
  {
    std::map<std::vector<std::pair<std::string, uint32_t>>, std::string> written;
    for (const auto& h : plan_.hosts) {
      auto it = written.find(h.entries);
      if (it == written.end()) {
        it = written.emplace(h.entries, journal_.dir() + "/hosts/" + std::to_string(written.size())).first;
        FL_TRY(write_file_atomic(it->second, h.render()));
      }
      hosts_file[h.node] = it->second;
    }
  }
  std::vector<HolderSpec> specs;
  for (const auto& ns : plan_.namespaces) {
    HolderSpec spec;
    spec.hostname = ns.hostname;
    spec.new_mount_ns = !ns.is_fabric;
    if (!ns.is_fabric) {
      if (auto it = hosts_file.find(ns.name); it != hosts_file.end()) spec.hosts_file = it->second;
      spec.shared_dir = workload_dir();
    }
    // Holders die with this process: a run always has a live owner, and
    // `faultline cleanup` handles what a dead owner leaves (cgroups, folder).
    spec.die_with_parent = true;
    specs.push_back(std::move(spec));
  }
  // Namespace creation is CPU-bound kernel work: spawned in overlapping batches.
  auto holders = NodeHolder::spawn_many(specs);
  Status first;
  for (size_t i = 0; i < holders.size(); ++i) {
    const auto& ns = plan_.namespaces[i];
    if (!holders[i].ok()) {
      if (first.ok()) first = wrap(holders[i].error(), "create namespaces of " + ns.name);
      continue;
    }
    // Recorded even after an error elsewhere, so teardown finds every holder.
    if (Status st = journal_.holder({ns.name, holders[i]->id(), holders[i]->netns_inode()}); !st.ok() && first.ok())
      first = st;
    holders_.emplace(ns.name, std::move(holders[i].value()));
  }
  if (!first.ok()) return first;
  // A netlink socket per namespace, all opened from one helper thread that
  // moves from namespace to namespace (this thread waits meanwhile).
  std::vector<int> fds;
  for (const auto& ns : plan_.namespaces) fds.push_back(holders_.at(ns.name).netns_fd());
  return in_each_netns(fds, [this](size_t i) -> Status {
    auto sock = NlSocket::open();
    if (!sock.ok()) return wrap(sock.error(), "netlink in " + plan_.namespaces[i].name);
    sockets_.emplace(plan_.namespaces[i].name, std::move(sock.value()));
    return {};
  });
}

Status Run::create_links() {
  if (plan_.needs_fabric()) {
    auto& fabric = sockets_.at(plan::kFabric);
    for (const auto& b : plan_.bridges) FL_TRY(fabric.create_bridge(b.name));
  }
  // Bridges are looked up once each, not once per port: the reply describes
  // the whole bridge and costs the kernel more than the port's own request.
  std::map<std::pair<std::string, std::string>, int> masters;  // (namespace, bridge) -> ifindex
  auto master_index = [&](const std::string& ns, const std::string& name) -> Result<int> {
    if (name.empty()) return 0;
    auto it = masters.find({ns, name});
    if (it != masters.end()) return it->second;
    auto idx = sockets_.at(ns).ifindex(name);
    if (!idx.ok()) return idx.error();
    masters.emplace(std::make_pair(ns, name), idx.value());
    return idx.value();
  };
  for (const auto& v : plan_.veths) {
    auto master = master_index(v.a_ns, v.a_master);
    if (!master.ok()) return master.error();
    const int peer_ns = holders_.at(v.b_ns).netns_fd();
    const Status st = sockets_.at(v.a_ns).create_veth(v.a_if, -1, v.b_if, peer_ns, master.value());
    if (!st.ok()) return wrap(st.error(), "create veth " + v.a_ns + ":" + v.a_if + " <-> " + v.b_ns + ":" + v.b_if);
    if (!v.b_master.empty()) {
      auto b_master = master_index(v.b_ns, v.b_master);
      if (!b_master.ok()) return b_master.error();
      FL_TRY(sockets_.at(v.b_ns).set_master(v.b_if, b_master.value()));
    }
  }
  return {};
}

Status Run::configure_addresses() {
  for (const auto& a : plan_.addresses) {
    const Status st = sockets_.at(a.node).add_address(a.ifname, a.prefix);
    if (!st.ok()) return wrap(st.error(), "address " + a.prefix.str() + " on " + a.node + ":" + a.ifname);
  }
  for (const auto& f : plan_.forwarding_nodes) {
    for (const auto& a : plan_.addresses)
      if (a.node == f) FL_TRY(sockets_.at(f).set_forwarding(a.ifname, true));
  }
  for (const auto& r : plan_.routes) {
    const Status st = sockets_.at(r.node).add_route(r.dst, r.gateway);
    if (!st.ok()) return wrap(st.error(), "route " + r.dst.str() + " via " + ipv4_str(r.gateway) + " in " + r.node);
  }
  return {};
}

Status Run::wait_links_running() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::vector<std::string> pending;
  for (const auto& [name, sock] : sockets_) pending.push_back(name);
  while (!pending.empty()) {
    std::vector<std::string> still;
    for (const auto& ns : pending) {
      auto nr = sockets_.at(ns).not_running();
      if (!nr.ok()) return nr.error();
      if (!nr->empty()) still.push_back(ns);
    }
    pending.swap(still);
    if (pending.empty()) break;
    if (std::chrono::steady_clock::now() > deadline)
      return sys_error(ETIMEDOUT, "interfaces in " + pending.front() + " did not start running within 5 s");
    ::usleep(1000);
  }
  return {};
}

Status Run::write_workload_configs() {
  for (const auto& p : plan_.processes) {
    if (const auto* c = std::get_if<workloads::ServiceConfig>(&p.config))
      FL_TRY(workloads::write_config(p.config_path, workloads::to_json(*c)));
    if (const auto* c = std::get_if<workloads::LoadConfig>(&p.config))
      FL_TRY(workloads::write_config(p.config_path, workloads::to_json(*c)));
  }
  return {};
}

Status Run::start_processes() {
  FL_TRY(write_workload_configs());
  for (const auto& p : plan_.processes) FL_TRY(start_process(p));
  return {};
}

Status Run::start_process(const plan::ProcessPlan& p) {
  auto e = entry(p.node);
  if (!e.ok()) return e.error();
  SpawnOptions so;
  so.log_path = log_dir_ + "/" + p.log_name;
  so.exe_from_host = true;  // workload binaries may sit under a path the node mounts over
  auto proc = NodeProcess::spawn(e.value(), p.argv, so);
  if (!proc.ok()) return wrap(proc.error(), "start " + p.kind.name + " in node " + p.node);
  FL_TRY(journal_.process({p.node, p.kind.name, proc->id()}));
  started_[proc->id().pid] = {proc->id(), p.kind};
  processes_.push_back(std::move(proc.value()));
  if (p.ready_port == 0) return {};
  const Status st = wait_listening(holders_.at(p.node).netns_fd(), p.ready_port, processes_.back(), kListenTimeoutMs);
  if (!st.ok()) return wrap(st.error(), p.kind.name + " in node " + p.node + " (log: " + so.log_path + ")");
  return {};
}

// Teardown runs in ~Run, which must not throw: every step is guarded (an
// exception, e.g. std::bad_alloc, becomes its error and the next step still
// runs) and none needs a new thread (the cgroups' helper thread is optional).
Status Run::down() {
  if (down_) return {};
  down_ = true;
  Status first;
  auto keep = [&](Status st) noexcept {
    if (!st.ok() && first.ok()) first = std::move(st);
  };
  // The flow view's programs first (they only count), then the engine: it is
  // a process in the fabric, and the filters hold namespaces. Their
  // destructors never throw.
  flows_.reset();
  links_.reset();
  // A frozen task holds a SIGKILL until thawed, and killing a process waits
  // for it: a node left paused (a pause fault not reverted) must thaw first.
  auto t0 = std::chrono::steady_clock::now();
  keep(guarded([&] {
    for (auto& [name, cg] : cgroups_) (void)cg.freeze(false);
    return Status{};
  }));
  for (auto& p : processes_) keep(guarded([&] { return p.kill(); }));
  processes_.clear();
  sockets_.clear();
  timings_.down_processes_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  keep(guarded([&] {
    // Signalled together so the namespaces' teardowns overlap.
    std::vector<NodeHolder> hs;
    hs.reserve(holders_.size());
    for (auto& [name, h] : holders_) hs.push_back(std::move(h));
    return NodeHolder::kill_many(hs);
  }));
  // Whatever the guarded step did not take (it could not allocate): one by one.
  for (auto& [name, h] : holders_) keep(h.kill_and_wait());
  holders_.clear();
  timings_.down_holders_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  // destroy() kills what is left inside first: whatever a node started on its
  // own, or `faultline exec` started, is in its cgroup. Two threads take the
  // cgroups in map order from one shared counter: removing a cgroup is mostly
  // waiting on the kernel (css offlining), and a run's cgroups are
  // independent of each other. (Starting them while the holders die measured
  // no faster.)
  {
    std::atomic<size_t> next{0};
    const size_t total = cgroups_.size();
    Status mine, second;
    auto destroy_some = [&](Status& out) noexcept {
      for (size_t i; (i = next.fetch_add(1)) < total;) {
        auto it = cgroups_.begin();
        std::advance(it, static_cast<std::ptrdiff_t>(i));
        if (Status st = guarded([&] { return it->second.destroy(); }); !st.ok() && out.ok()) out = std::move(st);
      }
    };
    auto other_half = [&]() noexcept { destroy_some(second); };
    SideTask other(other_half);  // no thread: the caller does it all, below and at join()
    destroy_some(mine);
    other.join();
    keep(std::move(mine));
    keep(std::move(second));
  }
  cgroups_.clear();
  keep(guarded([&] { return run_cgroup_.destroy(); }));
  keep(guarded([&] {
    remove_cgroup_root_if_unused();
    return Status{};
  }));
  timings_.down_cgroups_ms = ms_since(t0);
  if (first.ok() && !journal_.dir().empty()) keep(guarded([&] { return remove_run_dir(plan_.run); }));
  return first;
}

Run::~Run() { (void)down(); }

}  // namespace faultline::runtime
