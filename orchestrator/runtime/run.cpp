#include "orchestrator/runtime/run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "orchestrator/runtime/cleanup.hpp"

namespace faultline::runtime {

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

Status write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return sys_error("write " + path);
  out << content;
  out.close();
  if (!out) return sys_error("write " + path);
  return {};
}

}  // namespace

std::string default_log_dir(const std::string& run) { return "/var/log/faultline/" + run; }

Cgroup* Run::cgroup(const std::string& node) {
  auto it = cgroups_.find(node);
  return it == cgroups_.end() ? nullptr : &it->second;
}

NodeHolder* Run::holder(const std::string& ns) {
  auto it = holders_.find(ns);
  return it == holders_.end() ? nullptr : &it->second;
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

  // On any error the partly built run is torn down by ~Run before returning.
  auto t0 = std::chrono::steady_clock::now();
  FL_TRY(run->create_cgroups(layout.value()));
  run->timings_.cgroups_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  FL_TRY(run->create_holders());
  run->timings_.holders_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  FL_TRY(run->create_links());
  run->timings_.links_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  FL_TRY(run->configure_addresses());
  run->timings_.addresses_ms = ms_since(t0);
  if (opts.start_processes) {
    t0 = std::chrono::steady_clock::now();
    FL_TRY(run->start_processes());
    run->timings_.processes_ms = ms_since(t0);
  }
  FL_TRY(run->journal_.ready());
  return run;
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
    FL_TRY(cg->set_limits(CgroupLimits{c.cpu_millicores, c.memory_bytes, c.pids}));
    cgroups_.emplace(c.node, std::move(cg.value()));
  }
  return {};
}

Status Run::create_holders() {
  for (const auto& h : plan_.hosts) FL_TRY(write_file(journal_.dir() + "/hosts/" + h.node, h.render()));
  for (const auto& ns : plan_.namespaces) {
    HolderSpec spec;
    spec.hostname = ns.hostname;
    spec.new_mount_ns = !ns.is_fabric;
    if (!ns.is_fabric) spec.hosts_file = journal_.dir() + "/hosts/" + ns.name;
    // Holders die with this process: a run always has a live owner, and
    // `faultline cleanup` handles what a dead owner leaves (cgroups, folder).
    spec.die_with_parent = true;
    auto h = NodeHolder::spawn(spec);
    if (!h.ok()) return wrap(h.error(), "create namespaces of " + ns.name);
    FL_TRY(journal_.holder({ns.name, h->id(), h->netns_inode()}));
    auto sock = NlSocket::open_in(h->netns_fd());
    if (!sock.ok()) return wrap(sock.error(), "netlink in " + ns.name);
    sockets_.emplace(ns.name, std::move(sock.value()));
    holders_.emplace(ns.name, std::move(h.value()));
  }
  return {};
}

Status Run::create_links() {
  if (plan_.needs_fabric()) {
    auto& fabric = sockets_.at(plan::kFabric);
    for (const auto& b : plan_.bridges) FL_TRY(fabric.create_bridge(b.name));
  }
  for (const auto& v : plan_.veths) {
    auto& sock = sockets_.at(v.a_ns);
    int master = 0;
    if (!v.a_master.empty()) {
      auto idx = sock.ifindex(v.a_master);
      if (!idx.ok()) return idx.error();
      master = idx.value();
    }
    const int peer_ns = holders_.at(v.b_ns).netns_fd();
    const Status st = sock.create_veth(v.a_if, -1, v.b_if, peer_ns, master);
    if (!st.ok()) return wrap(st.error(), "create veth " + v.a_ns + ":" + v.a_if + " <-> " + v.b_ns + ":" + v.b_if);
    if (!v.b_master.empty()) {
      auto& bsock = sockets_.at(v.b_ns);
      auto idx = bsock.ifindex(v.b_master);
      if (!idx.ok()) return idx.error();
      FL_TRY(bsock.set_master(v.b_if, idx.value()));
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

Status Run::start_processes() {
  for (const auto& p : plan_.processes) {
    auto e = entry(p.node);
    if (!e.ok()) return e.error();
    SpawnOptions so;
    so.log_path = log_dir_ + "/" + p.node + ".log";
    auto proc = NodeProcess::spawn(e.value(), p.argv, so);
    if (!proc.ok()) return proc.error();
    FL_TRY(journal_.process({p.node, p.name, proc->id()}));
    processes_.push_back(std::move(proc.value()));
  }
  return {};
}

Status Run::down() {
  if (down_) return {};
  down_ = true;
  Status first;
  auto keep = [&](Status st) {
    if (!st.ok() && first.ok()) first = std::move(st);
  };
  for (auto& p : processes_) keep(p.kill());
  processes_.clear();
  // Anything a node started on its own (or `faultline exec` started) is in its cgroup.
  for (auto& [name, cg] : cgroups_) keep(cg.kill_all());
  sockets_.clear();
  for (auto& [name, h] : holders_) keep(h.kill_and_wait());
  holders_.clear();
  for (auto& [name, cg] : cgroups_) keep(cg.destroy());
  cgroups_.clear();
  keep(run_cgroup_.destroy());
  remove_cgroup_root_if_unused();
  if (first.ok() && !journal_.dir().empty()) keep(remove_run_dir(plan_.run));
  return first;
}

Run::~Run() { (void)down(); }

}  // namespace faultline::runtime
