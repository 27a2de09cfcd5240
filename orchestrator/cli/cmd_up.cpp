// SPDX-License-Identifier: Apache-2.0
// `faultline up`: the process that builds a run owns it until it is taken
// down. Without --foreground that owner is a daemon forked from the CLI, which
// reports "ready" (or the error) through a pipe and then waits for SIGTERM from
// `faultline down`. Holders and node processes die with their owner, so a
// killed owner leaves only cgroups and a state folder, which `cleanup` removes.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include "base/result.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/cli/owner.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/probe.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::cli {

namespace {

void print_summary(FILE* out, const runtime::Run& run, bool verbose) {
  const auto& p = run.plan();
  std::fprintf(out, "run %s is up: %zu nodes, %zu veth pairs, %zu bridges, %zu routes\n", p.run.c_str(),
               p.hosts.size(), p.veths.size(), p.bridges.size(), p.routes.size());
  for (const auto& h : p.hosts) {
    std::string addrs;
    for (const auto& a : p.addresses)
      if (a.node == h.node) addrs += " " + a.ifname + "=" + a.prefix.str();
    std::fprintf(out, "  %-15s%s\n", h.node.c_str(), addrs.c_str());
  }
  std::fprintf(out, "logs: %s\n", run.log_dir().c_str());
  if (verbose) {
    const auto& t = run.timings();
    std::fprintf(out, "timings: namespaces %.1f ms, links %.1f ms, addresses+routes %.1f ms (cgroups %.1f ms beside "
                      "them, then waited %.1f ms), processes %.1f ms\n",
                 t.holders_ms, t.links_ms, t.addresses_ms, t.cgroups_ms, t.cgroups_wait_ms, t.processes_ms);
  }
}

// Where to watch it: the terminal view and the live page.
void print_live(FILE* out, const std::string& run, const OwnerLive* live) {
  if (!live) return;
  const std::string page = live->page_url();
  std::fprintf(out, "watch it: faultline watch %s%s%s\n", run.c_str(), page.empty() ? "" : "  or open ", page.c_str());
}

}  // namespace

int cmd_up(const UpArgs& a) {
  const auto topo = load_or_die(a.file, a.set);
  require_root("up");
  const std::string name = choose_run_name(topo, a.name);
  // Backends follow what the kernel can do, probed now, never guessed.
  const auto probe = runtime::probe_kernel();
  std::vector<std::string> missing;
  const auto po = plan_options(topo, name, probe.has(runtime::KernelFeature::kSchNetem), missing);
  if (!missing.empty()) fail(Failure::kEnvironment, "up: " + missing.front() + "; nothing was created");
  const auto plan = plan::make_plan(topo, name, po);
  runtime::RunOptions opts;
  opts.clsact_bpf = probe.has_clsact_bpf();
  opts.file = recorded_file(a.file);
  opts.log_dir = a.log_dir.empty() ? runtime::default_log_dir(name) : std::filesystem::absolute(a.log_dir).string();

  const sigset_t sigs = control_signals();
  sigprocmask(SIG_BLOCK, &sigs, nullptr);

  if (a.foreground) {
    opts.persistent = false;
    auto run = runtime::Run::up(plan, opts);
    if (!run.ok()) fail(run_failure(run.error()), "up: " + run.error().message());
    auto control = open_control(*run.value());
    auto live = OwnerLive::start(*run.value(), topo, opts.log_dir);
    print_summary(stdout, *run.value(), a.verbose);
    print_live(stdout, name, live.get());
    std::printf("Ctrl-C takes it down.\n");
    std::fflush(stdout);
    return serve_until_stopped(*run.value(), std::move(control), std::move(live));
  }

  opts.persistent = true;
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) fail(Failure::kRuntime, "pipe: " + std::string(strerror(errno)));
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) fail(Failure::kRuntime, "fork: " + std::string(strerror(errno)));
  if (pid == 0) {
    // The owner: detached from the terminal, its output to the run's log folder.
    ::close(pipefd[0]);
    ::setsid();
    std::error_code ec;
    std::filesystem::create_directories(opts.log_dir, ec);
    const int devnull = ::open("/dev/null", O_RDONLY);
    const int log = ::open((opts.log_dir + "/owner.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (devnull >= 0) ::dup2(devnull, 0);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    FILE* report = ::fdopen(pipefd[1], "w");
    auto run = runtime::Run::up(plan, opts);
    if (!run.ok()) {
      // The kind of failure, then the message: the parent fails the same way.
      std::fprintf(report, "E%d %s", static_cast<int>(run_failure(run.error())), run.error().message().c_str());
      std::fclose(report);
      ::_exit(1);
    }
    // The control socket exists before `up` returns, for the fault typed next.
    auto control = open_control(*run.value());
    auto live = OwnerLive::start(*run.value(), topo, opts.log_dir);
    std::fputs("OK", report);
    print_summary(report, *run.value(), a.verbose);
    print_live(report, name, live.get());
    std::fclose(report);
    std::fprintf(stderr, "faultline: run %s up, owner pid %d\n", name.c_str(), ::getpid());
    ::_exit(serve_until_stopped(*run.value(), std::move(control), std::move(live)));
  }
  ::close(pipefd[1]);
  std::string msg;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) msg.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  if (msg.rfind("OK", 0) == 0) {
    std::fputs(msg.c_str() + 2, stdout);
    std::printf("take it down with: faultline down %s\n", name.c_str());
    return 0;
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (msg.size() > 1 && msg[0] == 'E') {
    const int kind = std::atoi(msg.c_str() + 1);
    const auto sp = msg.find(' ');
    const Failure f = kind >= 0 && kind <= static_cast<int>(Failure::kRuntime) ? static_cast<Failure>(kind)
                                                                               : Failure::kRuntime;
    fail(f, "up: " + (sp == std::string::npos ? msg : msg.substr(sp + 1)));
  }
  fail(Failure::kRuntime, "up: the run's owner process died during bring-up (see " + opts.log_dir +
                                     "/owner.log); `faultline cleanup` removes what it left");
}

}  // namespace faultline::cli
