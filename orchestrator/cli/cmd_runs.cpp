// status, down and cleanup: they read runs from their state files only.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "base/result.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/cleanup.hpp"
#include "orchestrator/runtime/state.hpp"

namespace faultline::cli {

namespace {

std::string age(int64_t created) {
  const int64_t s = static_cast<int64_t>(std::time(nullptr)) - created;
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  return std::to_string(s / 3600) + "h";
}

void print_report(const runtime::CleanupReport& r) {
  std::printf("%s: killed %d processes and %d namespace holders, removed %d cgroups%s\n", r.run.c_str(),
              r.processes_killed, r.holders_killed, r.cgroups_removed, r.errors.empty() ? "" : "; errors:");
  for (const auto& e : r.errors) std::printf("  %s\n", e.c_str());
}

}  // namespace

int cmd_status(const std::string& run) {
  if (run.empty()) {
    const auto runs = runtime::list_runs();
    if (runs.empty()) {
      std::printf("no runs\n");
      return 0;
    }
    std::printf("%-24s %-8s %-8s %6s %6s  %s\n", "RUN", "OWNER", "STATE", "NODES", "AGE", "FILE");
    for (const auto& r : runs) {
      const char* state = r.owner_alive() ? (r.ready ? "up" : "starting") : "dead";
      std::printf("%-24s %-8d %-8s %6zu %6s  %s\n", r.run.c_str(), r.owner.pid, state, r.nodes.size(),
                  age(r.created_unix).c_str(), r.file.c_str());
    }
    return 0;
  }
  const auto st = require_run(run);
  std::printf("run %s (%s), owner pid %d %s, %s\n", st.run.c_str(), st.file.c_str(), st.owner.pid,
              st.owner_alive() ? "alive" : "DEAD (run `faultline cleanup`)", st.persistent ? "persistent" : "foreground");
  auto layout = runtime::CgroupLayout::probe();
  std::printf("%-15s %-8s %-6s %10s %12s %6s  %s\n", "NODE", "HOLDER", "ALIVE", "CPU(s)", "MEMORY", "OOM", "NOTE");
  for (const auto& node : st.nodes) {
    const auto* h = st.holder(node);
    std::string cpu = "-", mem = "-", oom = "-", note;
    if (layout.ok()) {
      auto cg = runtime::Cgroup::adopt(layout.value(), plan::run_cgroup_path(st.run) + "/" + node);
      auto u = cg.usage();
      if (u.ok()) {
        char b[32];
        std::snprintf(b, sizeof b, "%.2f", u->cpu_usage_ns / 1e9);
        cpu = b;
        mem = std::to_string(u->memory_bytes);
        oom = std::to_string(u->oom_kills);
        if (u->oom_kills > 0) note = "OOM-killed (memory limit reached)";
      }
      cg.release();
    }
    std::printf("%-15s %-8d %-6s %10s %12s %6s  %s\n", node.c_str(), h ? h->id.pid : 0,
                (h && runtime::is_alive(h->id)) ? "yes" : "no", cpu.c_str(), mem.c_str(), oom.c_str(), note.c_str());
  }
  return 0;
}

int cmd_down(const std::string& run) {
  require_root("down");
  const auto st = require_run(run);
  if (st.owner_alive()) {
    // The owner tears its own run down in order; wait for it to finish.
    auto pidfd = runtime::open_verified(st.owner);
    if (pidfd.ok() && runtime::signal_verified(st.owner, SIGTERM).ok()) {
      pollfd p{pidfd->get(), POLLIN, 0};
      if (::poll(&p, 1, 60'000) == 1) {
        auto after = runtime::read_run(run);
        if (!after.ok()) {
          std::printf("%s: down\n", run.c_str());
          return 0;
        }
        // The owner exited but left something: clean from the journal.
      } else {
        std::fprintf(stderr, "faultline: owner of %s did not finish in 60 s; killing it\n", run.c_str());
        (void)runtime::kill_verified(st.owner);
      }
    }
  }
  auto again = runtime::read_run(run);
  if (!again.ok()) {
    std::printf("%s: down\n", run.c_str());
    return 0;
  }
  const auto rep = runtime::cleanup_run(again.value());
  print_report(rep);
  return rep.errors.empty() ? 0 : exit_code(Failure::kRuntime);
}

int cmd_cleanup() {
  require_root("cleanup");
  const auto reps = runtime::cleanup_dead_runs();
  if (reps.empty()) std::printf("nothing to clean: every recorded run has a live owner\n");
  bool ok = true;
  for (const auto& r : reps) {
    print_report(r);
    ok = ok && r.errors.empty();
  }
  return ok ? 0 : exit_code(Failure::kRuntime);
}

}  // namespace faultline::cli
