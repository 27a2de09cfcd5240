// SPDX-License-Identifier: Apache-2.0
// Crash points: kill -9 of the orchestrator at moments drawn from a seed,
// during `faultline up`, `run` (each phase), `fault` and `down`; then
// `faultline cleanup` must leave the kernel exactly as it was before the
// point (tests/support/kernel_baseline.hpp lists what is compared).
//
// The seed is printed; FAULTLINE_CRASH_SEED=N reproduces a run of the test,
// FAULTLINE_CRASH_POINTS=N sets how many points (default 24), and
// FAULTLINE_CRASH_ONLY=I runs point I of the seed's sequence alone. The first
// points cover every verb and phase once (in an order drawn from the seed);
// the rest are drawn freely. A point counts when the kill is seen to land
// inside its phase (from the command's output and the run's journal at the
// moment of the kill); more are drawn, up to 16 more, until 20 have. Every
// point, counted or not, checks cleanup. Scenario tier: the comparison is of
// the whole kernel, so nothing else may run beside it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>
#include <nlohmann/json.hpp>

#include "orchestrator/runtime/proc.hpp"
#include "orchestrator/runtime/state.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/kernel_baseline.hpp"
#include "tests/support/kernel_snapshot.hpp"
#include "tests/support/run_results.hpp"

using namespace faultline;
using namespace faultline::testing;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// ---------------------------------------------------------------- topologies
// Small enough to come up in well under a second on the 2-core CI host; each
// exercises different kernel objects: the link engine on a link, a bridge
// with a segment and cgroup limits, workloads with a plain and an engine link.

struct Topo {
  const char* name;
  std::string body;
  std::string link;  // a `fault` target: "link:a-b" or "segment:lan"
  std::string node;  // the node node faults act on
  bool services;     // kill / restart need planned processes
};

std::string experiment(const std::string& name, uint16_t metrics_port) {
  return "[experiment]\nname = \"" + name + "\"\nmetrics_port = " + std::to_string(metrics_port) +
         "\ntick = \"250ms\"\nwarmup = \"500ms\"\nbaseline = \"500ms\"\nduration = \"2500ms\"\nhorizon = \"1s\"\n";
}

std::vector<Topo> topologies(uint16_t port) {
  return {
      {"pair",
       experiment("pair", port) + R"(
[[node]]
name = "a"
[[node]]
name = "b"
[[link]]
between = ["a", "b"]
delay = "1ms"
)",
       "link:a-b", "b", false},
      {"lan",
       experiment("lan", port) + R"(
[[node]]
name = "a"
[[node]]
name = "b"
cpu = 0.5
[[node]]
name = "c"
memory = "64MiB"
[[segment]]
name = "lan"
members = ["a", "b", "c"]
loss = "1%"
)",
       "segment:lan", "b", false},
      {"svc",
       experiment("svc", port) + R"(
[[node]]
name = "client"
load = { target = "api:80", rate = 20 }
[[node]]
name = "api"
service = [{ port = 80, calls = [{ to = "db:80", retries = 1, timeout = "300ms" }] }]
[[node]]
name = "db"
cpu = 0.5
memory = "128MiB"
service = [{ port = 80 }]
[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "db"]
delay = "1ms"
)",
       "link:api-db", "db", true},
  };
}

// The [[fault]] of a `run` point, at 1 s for 1 s (the timeline above).
struct RunFault {
  const char* name;
  std::string toml;
};

std::vector<RunFault> run_faults() {
  const std::string head = "\n[[fault]]\nat = \"1s\"\nfor = \"1s\"\n";
  return {
      {"link delay", head + "target = \"link:api-db\"\ndelay = \"20ms\"\n"},
      {"link partition", head + "target = \"link:client-api\"\naction = \"partition\"\n"},
      {"node partition", head + "target = \"node:db\"\naction = \"partition\"\n"},
      {"cpu cut", head + "target = \"node:db\"\ncpu = 0.1\n"},
      {"pause", head + "target = \"node:db\"\naction = \"pause\"\n"},
      {"kill", head + "target = \"node:db\"\naction = \"kill\"\n"},
      {"memory hog", head + "target = \"node:db\"\naction = \"memory-hog\"\nhog_memory = \"32MiB\"\n"},
      {"cpu hog", head + "target = \"node:db\"\naction = \"cpu-hog\"\nhog_cpu = 0.5\n"},
  };
}

// ------------------------------------------------------------------- points

enum class Verb { kUp, kRun, kFault, kDown };

// What the first points cover, one each.
struct Slot {
  Verb verb;
  std::string what;  // up: "journal" | "delay"; run: a phase; fault: "impair" | "partition" | "node"
};

std::vector<Slot> coverage() {
  std::vector<Slot> s{{Verb::kUp, "journal"}, {Verb::kUp, "delay"}};
  for (const char* ph : {"up", "warmup", "baseline", "fault", "revert", "recovery", "down"})
    s.push_back({Verb::kRun, ph});
  for (const char* f : {"impair", "partition", "node"}) s.push_back({Verb::kFault, f});
  s.push_back({Verb::kDown, ""});
  return s;
}

Slot draw_slot(std::mt19937_64& rng) {
  const auto all = coverage();
  return all[std::uniform_int_distribution<size_t>(0, all.size() - 1)(rng)];
}

int uniform(std::mt19937_64& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

size_t journal_lines(const std::string& run) {
  std::ifstream f(runtime::run_dir(run) + "/state.jsonl");
  size_t n = 0;
  for (std::string line; std::getline(f, line);) n += !line.empty();
  return n;
}

bool journal_ready(const std::string& run) {
  auto st = runtime::read_run(run);
  return st.ok() && st->ready;
}

// The run's owner as its journal records it (none before the first record).
runtime::ProcId owner_of(const std::string& run) {
  auto st = runtime::read_run(run);
  return st.ok() ? st->owner : runtime::ProcId{};
}

class CrashPoints : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: namespaces, netlink, cgroups, BPF";
    dir_ = fs::temp_directory_path() / ("fl-crash-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "state");
    state_ = (dir_ / "state").string();
    ::setenv("FAULTLINE_STATE_DIR", state_.c_str(), 1);
  }
  void TearDown() override {
    if (::geteuid() != 0) return;
    // A failed point may have left a run: its journal is what `cleanup`
    // needs, so the folder stays while a run is recorded in it.
    (void)run_cmd("FAULTLINE_STATE_DIR=" + state_ + " " + faultline_exe() + " cleanup");
    std::error_code ec;
    if (fs::is_empty(state_, ec)) {
      fs::remove_all(dir_, ec);
    } else {
      std::printf("runs left in %s: FAULTLINE_STATE_DIR=%s faultline cleanup\n", state_.c_str(), state_.c_str());
    }
    ::unsetenv("FAULTLINE_STATE_DIR");
  }

  std::string write(const std::string& name, const std::string& body) const {
    const auto p = dir_ / (name + ".toml");
    std::ofstream(p) << body;
    return p.string();
  }
  std::string logs(const std::string& run) const { return (dir_ / "logs" / run).string(); }

  // `up` to completion (the points for fault and down start from a live run).
  bool up_whole(const std::string& run, const std::string& file, std::string* why) {
    CliProcess c = CliProcess::start({"up", "--name", run, "--logs", logs(run), file}, state_);
    const int st = c.wait();
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return true;
    *why = "up failed: " + c.output();
    return false;
  }

  // Kill -9 of the orchestrator of an `up`: the CLI is stopped first so that
  // it forks no owner after the look, then its children (the owner, once
  // forked), the owner its journal names (after the CLI reported, the owner
  // is re-parented to this test), then the CLI. True when an orchestrator
  // process was alive to be killed.
  bool kill_up(CliProcess& cli, const std::string& run) {
    bool landed = false;
    if (!cli.exited()) {
      ::kill(cli.pid(), SIGSTOP);
      for (const auto& [pid, p] : all_procs())
        if (p.ppid == cli.pid()) landed = ::kill(pid, SIGKILL) == 0 || landed;
    }
    const auto owner = owner_of(run);
    if (owner.pid > 0 && runtime::is_alive(owner)) landed = runtime::kill_verified(owner).ok() || landed;
    landed = cli.kill9() || landed;
    cli.wait();
    return landed;
  }

  // A killed owner: its holders and processes die with it (PR_SET_PDEATHSIG).
  bool kill_owner(const std::string& run) {
    const auto owner = owner_of(run);
    if (owner.pid <= 0 || !runtime::is_alive(owner)) return false;
    return runtime::kill_verified(owner).ok();
  }

  // ------------------------------------------------------------ the verbs
  // Each returns what happened, for the log line of the point; *landed says
  // whether the SIGKILL went to a live orchestrator inside the phase named
  // (checked against its output and journal at the kill, not assumed from
  // the delay).

  std::string point_up(std::mt19937_64& rng, const Slot& s, const Topo& t, const std::string& run, bool* landed) {
    const std::string file = write(run, t.body);
    CliProcess cli = CliProcess::start({"up", "--name", run, "--logs", logs(run), file}, state_);
    std::string moment;
    if (s.what == "journal") {
      // A run record, then holders, cgroups and processes, then "ready":
      // about 2 + 2 x nodes records for these topologies.
      const size_t k = static_cast<size_t>(uniform(rng, 1, t.services ? 10 : 8));
      const int extra_us = uniform(rng, 0, 3000);
      const auto end = Clock::now() + std::chrono::seconds(20);
      while (journal_lines(run) < k && !cli.exited() && Clock::now() < end) std::this_thread::sleep_for(std::chrono::microseconds(200));
      std::this_thread::sleep_for(std::chrono::microseconds(extra_us));
      moment = "after journal record " + std::to_string(k) + " + " + std::to_string(extra_us) + " us";
    } else {
      const int ms = uniform(rng, 0, t.services ? 150 : 100);
      sleep_ms(ms);
      moment = std::to_string(ms) + " ms after start";
    }
    const size_t records = journal_lines(run);
    const bool ready = journal_ready(run);
    *landed = kill_up(cli, run) && !ready;
    return moment + " (journal had " + std::to_string(records) + " records" + (ready ? ", run ready" : "") + ")";
  }

  std::string point_run(std::mt19937_64& rng, const Slot& s, const std::string& run, bool* landed) {
    const auto faults = run_faults();
    // The revert of a kill starts the node's processes again (the longest
    // revert); the others are drawn.
    const RunFault& f = s.what == "revert" && uniform(rng, 0, 1) == 0
                            ? faults[5]
                            : faults[static_cast<size_t>(uniform(rng, 0, static_cast<int>(faults.size()) - 1))];
    const Topo t = topologies(metrics_port())[2];
    const std::string file = write(run, t.body + f.toml);
    CliProcess cli =
        CliProcess::start({"run", file, "--name", run, "--out", (dir_ / "out" / run).string(), "-q"}, state_);
    std::string moment;
    auto wait_line = [&](const std::string& needle) {
      if (!cli.wait_for_output(needle, 30'000)) ADD_FAILURE() << "no '" << needle << "' from run:\n" << cli.output();
    };
    std::vector<runtime::ProcId> procs;
    Clock::time_point warmup_seen{};
    bool down_began = false;
    if (s.what == "up") {
      wait_line("] up: ");
      const int ms = uniform(rng, 0, 120);
      sleep_ms(ms);
      moment = std::to_string(ms) + " ms after 'up:'";
    } else if (s.what == "warmup" || s.what == "baseline" || s.what == "recovery") {
      wait_line("phase: " + s.what);
      const int ms = uniform(rng, 0, s.what == "recovery" ? 900 : 450);
      sleep_ms(ms);
      moment = std::to_string(ms) + " ms after 'phase: " + s.what + "'";
    } else if (s.what == "fault") {
      wait_line("] fault ");
      const int ms = uniform(rng, 0, 900);
      sleep_ms(ms);
      moment = std::to_string(ms) + " ms after the fault was applied";
    } else if (s.what == "revert") {
      // The timeline starts with the warmup line (t = 0); the fault is
      // reverted at t = 2 s. A kill's revert starts its processes again and
      // waits for their ports, the longest window; others take a millisecond.
      wait_line("phase: warmup");
      warmup_seen = Clock::now();
      const int ms = 2000 + uniform(rng, 0, f.name == std::string("kill") ? 15 : 3);
      std::this_thread::sleep_until(warmup_seen + std::chrono::milliseconds(ms));
      moment = std::to_string(ms) + " ms into the timeline (revert due at 2000)";
    } else {  // down: the run's processes start dying when it goes down
      wait_line("phase: recovery");
      auto st = runtime::read_run(run);
      if (st.ok())
        for (const auto& p : st->processes)
          if (runtime::is_alive(p.id)) procs.push_back(p.id);
      const auto end = Clock::now() + std::chrono::seconds(20);
      while (!down_began && !cli.exited() && Clock::now() < end) {
        for (const auto& p : procs) down_began = down_began || !runtime::is_alive(p);
        if (!down_began) std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      const int us = uniform(rng, 0, 2'000);
      std::this_thread::sleep_for(std::chrono::microseconds(us));
      moment = std::to_string(us) + " us after its first process ended (down began)";
    }
    // Where it really was: the last phase it printed.
    const std::string out = cli.output();
    std::string at = "up";
    for (const char* ph : {"phase: warmup", "phase: baseline", "] fault ", "] revert ", "phase: recovery"})
      if (out.find(ph) != std::string::npos) at = ph;
    const bool folder = fs::exists(runtime::run_dir(run));
    bool in_phase = false;
    if (s.what == "up") in_phase = at == "up";
    if (s.what == "warmup" || s.what == "baseline") in_phase = at == "phase: " + s.what;
    if (s.what == "fault") in_phase = at == "] fault ";
    if (s.what == "revert") in_phase = at == "] fault " && Clock::now() >= warmup_seen + std::chrono::seconds(2);
    if (s.what == "recovery") in_phase = at == "phase: recovery" && folder;
    if (s.what == "down") in_phase = down_began && folder;
    *landed = cli.kill9() && in_phase;
    cli.wait();
    return std::string("fault '") + f.name + "', " + moment + "; last line seen: '" + at + "'" +
           (folder ? "" : "; the run's folder was already gone");
  }

  std::string point_fault(std::mt19937_64& rng, const Slot& s, const Topo& t, const std::string& run, bool* landed,
                          std::string* error) {
    if (!up_whole(run, write(run, t.body), error)) return "";
    std::vector<std::string> args{"fault", run};
    if (s.what == "impair") {
      args.insert(args.end(), {t.link, "delay=30ms", "loss=2%"});
    } else if (s.what == "partition") {
      const std::string other = t.node == "db" ? "api" : "a";
      args.insert(args.end(), {"partition", other, uniform(rng, 0, 1) ? "to" : "and", t.node});
    } else {
      std::vector<std::string> kinds{"pause", "cpu=0.1", "memory=48MiB", "cpu-hog=0.5", "memory-hog=16MiB", "partition"};
      if (t.services) kinds.insert(kinds.end(), {"kill", "restart"});
      args.insert(args.end(), {"node:" + t.node, kinds[static_cast<size_t>(uniform(rng, 0, static_cast<int>(kinds.size()) - 1))]});
    }
    CliProcess cli = CliProcess::start(args, state_);
    // The CLI's start and its request take a few ms (an impairment is one
    // message to the link engine); a partition loads a BPF program, tens.
    const int ms = uniform(rng, 0, s.what == "partition" ? 40 : s.what == "impair" ? 8 : 15);
    sleep_ms(ms);
    std::ifstream log(logs(run) + "/owner.log");
    const std::string owner_log((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    const bool applied = owner_log.find("fault:") != std::string::npos;
    // Inside the verb: `fault` still waits for the owner's answer.
    const bool answered = cli.exited();
    *landed = kill_owner(run) && !answered;
    cli.wait();
    std::string what;
    for (size_t i = 2; i < args.size(); ++i) what += (i > 2 ? " " : "") + args[i];
    return "'" + what + "', " + std::to_string(ms) + " ms after `fault` started" +
           (applied ? " (the owner had applied it" : " (not yet applied") + (answered ? ", and answered)" : ")");
  }

  std::string point_down(std::mt19937_64& rng, const Topo& t, const std::string& run, bool* landed,
                         std::string* error) {
    if (!up_whole(run, write(run, t.body), error)) return "";
    const auto owner = owner_of(run);
    CliProcess cli = CliProcess::start({"down", run}, state_);
    // The owner logs the signal `down` sent before it tears down.
    const auto end = Clock::now() + std::chrono::seconds(10);
    for (;;) {
      std::ifstream log(logs(run) + "/owner.log");
      const std::string s((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      if (s.find("taking run") != std::string::npos || Clock::now() > end) break;
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
    const int us = uniform(rng, 0, 30'000);
    std::this_thread::sleep_for(std::chrono::microseconds(us));
    // Half the time `down` dies too: then only `cleanup` is left to finish.
    // (Inside the verb: the owner is still tearing down when killed.)
    const bool also_cli = uniform(rng, 0, 1) == 1;
    if (also_cli) cli.kill9();
    *landed = runtime::is_alive(owner) && runtime::kill_verified(owner).ok();
    cli.wait();
    return std::to_string(us) + " us after the owner began teardown" + (also_cli ? ", `down` killed too" : "");
  }

  uint16_t metrics_port() const { return static_cast<uint16_t>(20000 + (::getpid() * 7 + 11) % 20000); }

  fs::path dir_;
  std::string state_;
};

const char* verb_name(Verb v) {
  switch (v) {
    case Verb::kUp: return "up";
    case Verb::kRun: return "run";
    case Verb::kFault: return "fault";
    case Verb::kDown: return "down";
  }
  return "?";
}

uint64_t env_u64(const char* name, uint64_t dflt) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : dflt;
}

}  // namespace

TEST_F(CrashPoints, KillNineAtRandomMomentsThenCleanupLeavesTheKernelAsBefore) {
  const uint64_t seed = env_u64("FAULTLINE_CRASH_SEED", std::random_device{}());
  const int points = static_cast<int>(env_u64("FAULTLINE_CRASH_POINTS", 24));
  const int only = static_cast<int>(env_u64("FAULTLINE_CRASH_ONLY", static_cast<uint64_t>(-1)));
  std::printf("crash points: seed %llu, %d points (reproduce: FAULTLINE_CRASH_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), points, static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  Subreaper subreaper;
  std::mt19937_64 rng(seed);
  auto slots = coverage();
  std::shuffle(slots.begin(), slots.end(), rng);
  const auto topos = topologies(metrics_port());
  const auto t_start = Clock::now();
  // Points whose kill missed its phase (the phase was over, or the command
  // done) still check cleanup, but do not count: more are drawn, up to a
  // cap, until kMinLanded landed.
  constexpr int kMinLanded = 20;
  const int cap = points + 16;
  int landed_count = 0, drawn = 0;
  const std::string run_prefix = "cp" + std::to_string(::getpid() % 100000) + "-";
  for (int i = 0; i < cap && (i < points || landed_count < kMinLanded); ++i) {
    // Every point draws from the one sequence, so FAULTLINE_CRASH_ONLY=i
    // replays point i exactly as the whole test drew it.
    const Slot slot = i < static_cast<int>(slots.size()) ? slots[static_cast<size_t>(i)] : draw_slot(rng);
    const Topo& topo = topos[static_cast<size_t>(uniform(rng, 0, static_cast<int>(topos.size()) - 1))];
    const uint64_t point_seed = rng();
    if (only >= 0 && i != only) continue;
    ++drawn;
    std::mt19937_64 prng(point_seed);
    const std::string run = run_prefix + std::to_string(i);

    const auto before = KernelBaseline::take(state_, {run_prefix});
    const auto t0 = Clock::now();
    bool landed = false;
    std::string error, what;
    switch (slot.verb) {
      case Verb::kUp: what = point_up(prng, slot, topo, run, &landed); break;
      case Verb::kRun: what = point_run(prng, slot, run, &landed); break;
      case Verb::kFault: what = point_fault(prng, slot, topo, run, &landed, &error); break;
      case Verb::kDown: what = point_down(prng, topo, run, &landed, &error); break;
    }
    ASSERT_TRUE(error.empty()) << "point " << i << ": " << error;
    const auto clean = run_cmd("FAULTLINE_STATE_DIR=" + state_ + " " + faultline_exe() + " cleanup");
    EXPECT_EQ(clean.status, 0) << "point " << i << ": cleanup failed:\n" << clean.out;
    int waited = 0;
    const std::string left = KernelBaseline::settle(before, state_, 10'000, &waited, {run_prefix});
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    landed_count += landed;
    std::printf("point %2d: %-5s %-9s %-4s %s%s; %.0f ms, settled in %d ms\n", i, verb_name(slot.verb),
                slot.what.c_str(), slot.verb == Verb::kRun ? "svc" : topo.name, what.c_str(),
                landed ? "" : " [missed: not inside the phase]", ms, waited);
    std::fflush(stdout);
    EXPECT_TRUE(left.empty()) << "point " << i << " (FAULTLINE_CRASH_SEED=" << seed << " FAULTLINE_CRASH_ONLY=" << i
                              << "): " << verb_name(slot.verb) << " " << slot.what << ", " << what
                              << "\nleft behind after cleanup:\n"
                              << left << "cleanup said:\n"
                              << clean.out;
    // Results and logs are the user's; the test's own copies go.
    std::error_code ec;
    fs::remove_all(dir_ / "out" / run, ec);
    fs::remove_all(dir_ / "logs" / run, ec);
  }
  const double total_s = std::chrono::duration<double>(Clock::now() - t_start).count();
  std::printf("crash points: seed %llu, %d points, %d killed the orchestrator inside the phase named, %.1f s\n",
              static_cast<unsigned long long>(seed), drawn, landed_count, total_s);
  if (only < 0) {
    EXPECT_GE(landed_count, kMinLanded) << "too few kills landed inside their phase (seed " << seed << ")";
  }
}
