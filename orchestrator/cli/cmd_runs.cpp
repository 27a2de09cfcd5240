// SPDX-License-Identifier: Apache-2.0
// status, down and cleanup: they read runs from their state files only.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

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

const char* state_of(const runtime::RunState& r) { return r.owner_alive() ? (r.ready ? "up" : "starting") : "dead"; }

// status --json: {"runs": [...]} or one run with its nodes.
int status_json(const std::string& run) {
  using nlohmann::json;
  if (run.empty()) {
    json runs = json::array();
    for (const auto& r : runtime::list_runs())
      runs.push_back({{"run", r.run}, {"owner_pid", r.owner.pid}, {"state", state_of(r)}, {"nodes", r.nodes.size()},
                      {"created_unix", r.created_unix}, {"file", r.file}});
    std::printf("%s\n", json{{"runs", runs}}.dump(2).c_str());
    return 0;
  }
  const auto st = require_run(run);
  auto layout = runtime::CgroupLayout::probe();
  json nodes = json::array();
  for (const auto& node : st.nodes) {
    const auto* h = st.holder(node);
    json n = {{"node", node}, {"holder_pid", h ? h->id.pid : 0}, {"alive", h && runtime::is_alive(h->id)},
              {"cpu_s", nullptr}, {"memory_bytes", nullptr}, {"oom_kills", nullptr}};
    if (layout.ok()) {
      auto cg = runtime::Cgroup::adopt(layout.value(), plan::run_cgroup_path(st.run) + "/" + node);
      if (auto u = cg.usage(); u.ok()) {
        n["cpu_s"] = u->cpu_usage_ns / 1e9;
        n["memory_bytes"] = u->memory_bytes;
        n["oom_kills"] = u->oom_kills;
      }
      cg.release();
    }
    nodes.push_back(std::move(n));
  }
  std::printf("%s\n", json{{"run", st.run},
                           {"file", st.file},
                           {"owner_pid", st.owner.pid},
                           {"state", state_of(st)},
                           {"persistent", st.persistent},
                           {"nodes", nodes}}
                           .dump(2)
                           .c_str());
  return 0;
}

}  // namespace

int cmd_status(const std::string& run, bool json) {
  if (json) return status_json(run);
  if (run.empty()) {
    const auto runs = runtime::list_runs();
    if (runs.empty()) {
      std::printf("no runs\n");
      return 0;
    }
    std::printf("%-24s %-8s %-8s %6s %6s  %s\n", "RUN", "OWNER", "STATE", "NODES", "AGE", "FILE");
    for (const auto& r : runs) {
      const char* state = state_of(r);
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
