// SPDX-License-Identifier: Apache-2.0
// faultline-linkd: the userspace link engine. Runs inside the run's fabric
// network namespace; see docs/engine.md.
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "netem/engine/config.hpp"
#include "netem/engine/engine.hpp"

using namespace faultline;
using namespace faultline::netem::engine;

int main(int argc, char** argv) {
  CLI::App app{"faultline-linkd: userspace link engine (delay, jitter, loss, rate) between fabric ports"};
  std::string config_path, trace_path;
  int cpu = -2, rt_prio = 10;  // -2: the CPU it starts on; -1: not pinned
  bool verbose = false, check = false;
  app.add_option("--config", config_path, "engine configuration (JSON)")->required();
  app.add_option("--trace", trace_path, "write one line per packet decision to this file");
  app.add_option("--cpu", cpu,
                 "pin the engine to this CPU (default: the CPU it starts on; -1: let it migrate, which can "
                 "reorder packets)");
  app.add_option("--realtime", rt_prio,
                 "SCHED_FIFO priority (default 10; 0: normal scheduling). Releases stay on time while other "
                 "tasks load the CPU; the engine still yields regularly when busy")
      ->check(CLI::Range(0, 99))
      ->capture_default_str();
  app.add_flag("--check", check, "validate the configuration and exit");
  app.add_flag("-v,--verbose", verbose, "log more");
  CLI11_PARSE(app, argc, argv);

  // Signals first, before anything could start a thread: the engine reads
  // them from a signalfd, in its loop, so a stop is always a clean one.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigprocmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto cfg = load_config(config_path);
  if (!cfg.ok()) {
    std::fprintf(stderr, "faultline-linkd: %s\n", cfg.error().message().c_str());
    return kExitBadInput;
  }
  if (check) return kExitOk;

  // The timer wakes the loop spin_ns early; default timer slack (50 us)
  // would eat into that margin.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  // Pinned by default, for ordering: a veth hands each sent frame to the
  // backlog of the CPU the sender runs on. When softirqs are deferred to
  // ksoftirqd (a loaded host) and the engine migrates, the frames it sends
  // next are delivered from the new CPU's backlog before the ones still
  // waiting on the old one: TCP saw reordering the engine never decided.
  if (cpu == -2) cpu = sched_getcpu();
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) < 0) std::perror("faultline-linkd: sched_setaffinity");
  }

  if (rt_prio > 0) {
    // The engine is the network: a kernel qdisc runs in softirq context,
    // ahead of every task. A normal task's timer wake-up waits for whatever
    // runs on its CPU to finish its slice (up to a 4 ms tick on a
    // non-preemptible kernel), which shows up as milliseconds of extra delay
    // whenever the nodes keep the CPUs busy; a SCHED_FIFO task preempts them.
    sched_param sp{};
    sp.sched_priority = rt_prio;
    if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0)
      std::perror("faultline-linkd: sched_setscheduler(SCHED_FIFO), running with normal priority");
  }

  EngineOptions opt;
  opt.trace_path = trace_path;
  opt.verbose = verbose;
  auto engine = Engine::create(*cfg, opt);
  if (!engine.ok()) {
    std::fprintf(stderr, "faultline-linkd: %s\n", engine.error().message().c_str());
    return kExitEnvironment;
  }
  if (verbose) std::fprintf(stderr, "faultline-linkd: running\n");
  auto st = (*engine)->run();
  if (!st.ok()) {
    std::fprintf(stderr, "faultline-linkd: %s\n", st.error().message().c_str());
    return kExitRuntime;
  }
  return kExitOk;
}
