// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/spawn.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

// The parts of Boost.Process used here, not all of <boost/process.hpp>
// (which also brings async I/O, groups, shells and Boost.Asio).
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/search_path.hpp>

#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/netns.hpp"

namespace bp = boost::process;

namespace faultline::runtime {

Result<NodeEntry> NodeEntry::open(const std::string& node, const ProcId& holder,
                                  std::vector<UniqueFd> cgroup_procs) {
  // Verify first, then open: a recycled pid must never let us enter a stranger's namespaces.
  auto pidfd = open_verified(holder);
  if (!pidfd.ok()) return wrap(pidfd.error(), "node " + node + " is not running");
  NodeEntry e;
  e.node = node;
  auto net = open_ns(holder.pid, "net");
  if (!net.ok()) return net.error();
  auto uts = open_ns(holder.pid, "uts");
  if (!uts.ok()) return uts.error();
  auto mnt = open_ns(holder.pid, "mnt");
  if (!mnt.ok()) return mnt.error();
  e.net = std::move(net.value());
  e.uts = std::move(uts.value());
  e.mnt = std::move(mnt.value());
  e.cgroup_procs = std::move(cgroup_procs);
  // Re-check after opening: the fds must belong to the recorded holder.
  if (!is_alive(holder)) return sys_error(ESRCH, "node " + node + " holder exited while opening its namespaces");
  return e;
}

namespace {

// Runs in the child between fork and exec: only async-signal-safe calls.
struct EnterNode : bp::extend::handler {
  const NodeEntry* node;
  bool die_with_parent;
  pid_t parent;  // the orchestrator, read before the fork
  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    // First: an orchestrator killed after the fork must take this child with
    // it however far it got. The death signal is armed only for a parent
    // still alive at prctl; one that died before leaves us re-parented.
    if (die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
    }
    int fds[16];
    int n = 0;
    for (const auto& f : node->cgroup_procs)
      if (n < 16) fds[n++] = f.get();
    if (cgroup_join_self(fds, n) < 0) {
      exec.set_error(std::error_code(errno, std::system_category()), "join node cgroup");
      return;
    }
    if (::setns(node->uts.get(), CLONE_NEWUTS) != 0 || ::setns(node->net.get(), CLONE_NEWNET) != 0 ||
        ::setns(node->mnt.get(), CLONE_NEWNS) != 0) {
      exec.set_error(std::error_code(errno, std::system_category()), "enter node namespaces");
      return;
    }
    if (::chdir("/") != 0) {
      exec.set_error(std::error_code(errno, std::system_category()), "chdir / in node");
      return;
    }
    // The orchestrator blocks (and `exec` ignores) control signals; the program
    // must start with the defaults.
    for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
  }
};

}  // namespace

struct NodeProcess::Impl {
  bp::child child;
};

NodeProcess::NodeProcess() = default;
NodeProcess::NodeProcess(NodeProcess&&) noexcept = default;
NodeProcess& NodeProcess::operator=(NodeProcess&& o) noexcept {
  if (this != &o) {
    (void)kill();
    impl_ = std::move(o.impl_);
    id_ = o.id_;
    node_ = std::move(o.node_);
  }
  return *this;
}
NodeProcess::~NodeProcess() { (void)kill(); }

Result<NodeProcess> NodeProcess::spawn(const NodeEntry& node, const std::vector<std::string>& argv,
                                       const SpawnOptions& opts) {
  if (argv.empty()) return logic_error("spawn in node " + node.node + ": empty command");
  std::error_code ec;
  boost::filesystem::path exe = argv[0];
  if (argv[0].find('/') == std::string::npos) exe = bp::search_path(argv[0]);
  if (exe.empty()) return sys_error(ENOENT, "find program '" + argv[0] + "' for node " + node.node);
  // /proc/<our pid>/root is our root directory, whatever the mount namespace
  // the path is looked up from: the child execs the file we see, and keeps
  // its own name (comm) since only the directory part changes.
  if (opts.exe_from_host && exe.is_absolute())
    exe = boost::filesystem::path("/proc/" + std::to_string(::getpid()) + "/root") / exe.relative_path();
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  bp::environment env = boost::this_process::environment();
  for (const auto& kv : opts.env) {
    const auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  EnterNode enter;
  enter.node = &node;
  enter.die_with_parent = opts.die_with_parent;
  enter.parent = ::getpid();

  auto impl = std::make_unique<Impl>();
  if (opts.inherit_stdio || opts.log_path.empty()) {
    impl->child = bp::child(exe, bp::args(args), env, enter, ec);
  } else {
    // Append, so a restarted process keeps the earlier output.
    FILE* log = std::fopen(opts.log_path.c_str(), "ae");
    if (!log) return sys_error("open log " + opts.log_path);
    impl->child = bp::child(exe, bp::args(args), env, bp::std_in < bp::null, bp::std_out > log,
                            bp::std_err > log, enter, ec);
    std::fclose(log);
  }
  if (ec) return sys_error(ec.value(), "start '" + argv[0] + "' in node " + node.node + ": " + ec.message());
  NodeProcess p;
  auto id = proc_id(impl->child.id());
  p.id_ = id.ok() ? id.value() : ProcId{impl->child.id(), 0};
  p.node_ = node.node;
  p.impl_ = std::move(impl);
  return p;
}

bool NodeProcess::exited(int* status) {
  if (!impl_) return true;
  std::error_code ec;
  if (impl_->child.running(ec)) return false;
  if (status) *status = impl_->child.native_exit_code();
  return true;
}

int NodeProcess::wait() {
  if (!impl_) return -1;
  std::error_code ec;
  impl_->child.wait(ec);
  const int st = impl_->child.native_exit_code();
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return WEXITSTATUS(st);
}

Status NodeProcess::kill() {
  if (!impl_) return {};
  std::error_code ec;
  if (impl_->child.running(ec)) {
    impl_->child.terminate(ec);  // SIGKILL to our own child, by pid, then reaped
  }
  impl_.reset();
  return {};
}

}  // namespace faultline::runtime
