// SPDX-License-Identifier: Apache-2.0
// `faultline run` end to end for what test_run.cpp does not cover: link,
// segment, partition and load faults on the timeline act when they should and
// are reverted on time; variants repeated with other seeds are compared; the
// same seed reproduces the same arrivals and the same link-engine decisions;
// a kill -9 of the runner in the middle of its faults (a paused node among
// them), then `cleanup`, leaves nothing. A paused workload never stalls the
// run (its scrape times out).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <regex>
#include <set>
#include <thread>
#include <nlohmann/json.hpp>

#include "orchestrator/runtime/proc.hpp"
#include "orchestrator/runtime/state.hpp"
#include "tests/support/cli_run_test.hpp"
#include "tests/support/run_results.hpp"

using namespace faultline;
using namespace faultline::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

class RunFaults : public CliRunTest {
 protected:
  fs::path out(const std::string& sub = "results") const { return dir_ / sub; }
  CommandResult run(const std::string& file, const std::string& args) {
    return run_cmd(cli("run " + file + " " + args + " -q"));
  }
  // Fault events by index: {applied time, reverted time}.
  static std::map<int, std::pair<double, double>> fault_times(const fs::path& events) {
    std::map<int, std::pair<double, double>> out;
    for (const auto& e : read_events(events)) {
      if (e["kind"] != "fault") continue;
      auto& [a, r] = out.try_emplace(e["fault"].get<int>(), -1, -1).first->second;
      if (e["state"] == "applied") a = e["t"];
      if (e["state"] == "reverted") r = e["t"];
    }
    return out;
  }
};

// client -- api on a link; api and db on a segment.
std::string faults_topology(uint16_t port) {
  return R"T(
[experiment]
name = "faults-e2e"
seed = 5
duration = "28s"
warmup = "2s"
baseline = "3s"
horizon = "4s"
metrics_port = )T" + std::to_string(port) + R"T(

[[node]]
name = "client"
load = { target = "api:8080", rate = 100, arrival = "poisson", timeout = "2s" }
# Ends on its own beside the load generator: its exit is no lost record.
command = "sleep 1"

[[node]]
name = "api"
  [[node.service]]
  port = 8080
  workers = 64
  calls = [{ to = "db:5432", timeout = "1s" }]

[[node]]
name = "db"
  [[node.service]]
  port = 5432
  workers = 16

[[link]]
between = ["client", "api"]

[[segment]]
name = "backend"
members = ["api", "db"]

[[fault]]
at = "6s"
for = "4s"
target = "segment:backend"
delay = "50ms"

[[fault]]
at = "13s"
for = "3s"
target = "link:client-api"
action = "partition"

[[fault]]
at = "20s"
for = "4s"
target = "load:client"
rate = 250

[[fault]]
at = "25s"
target = "node:db"
action = "restart"
)T";
}

}  // namespace

TEST_F(RunFaults, SegmentLinkAndLoadFaultsActOnTimeAndAreReverted) {
  const auto file = write_topology(faults_topology(test_port(11)));
  const auto r = run(file, "--name " + run_ + " --out " + out().string());
  ASSERT_TRUE(r.status == 0 || r.status == 1) << r.out;
  const Series s(out() / "timeseries.csv");

  // Each fault applied at `at` and reverted at `at + for`.
  const auto times = fault_times(out() / "events.jsonl");
  ASSERT_EQ(times.size(), 4u);
  const double at[] = {6, 13, 20}, until[] = {10, 16, 24};
  EXPECT_NEAR(times.at(3).first, 25, 0.5) << "the restart";
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(times.at(i).first, at[i], 0.5) << "fault " << i;
    EXPECT_NEAR(times.at(i).second, until[i], 0.5) << "fault " << i;
  }

  // Segment delay of 50 ms each way: api's call to db takes 100 ms more (200
  // when it opens a new connection first). Tick 11 still holds calls made
  // during the fault; tick 12 is clean.
  const double p99_base = s.mean("api", "api", "p99_s", 3, 5);
  const double p99_fault = s.mean("api", "api", "p99_s", 8, 10);
  const double p99_after = s.mean("api", "api", "p99_s", 12, 12);
  std::printf("api p99: baseline %.1f ms, segment delayed %.1f ms, after %.1f ms\n", p99_base * 1e3, p99_fault * 1e3,
              p99_after * 1e3);
  EXPECT_LT(p99_base, 0.05);
  EXPECT_GT(p99_fault, 0.095);
  EXPECT_LT(p99_fault, 0.3);
  EXPECT_LT(p99_after, 0.05) << "the segment's delay was reverted";

  // Partition client <-> api: nothing reaches api, then traffic comes back.
  const double req_base = s.mean("api", "api", "requests_rps", 3, 5);
  const double req_cut = s.mean("api", "api", "requests_rps", 15, 16);
  std::printf("api requests: baseline %.1f/s, partitioned %.1f/s\n", req_base, req_cut);
  EXPECT_NEAR(req_base, 100, 20);
  EXPECT_LT(req_cut, 5);
  // The network's own counters saw it: the partition's rule dropped packets
  // while it stood, and the link carried traffic before.
  EXPECT_GT(s.mean("link:client-api", "client->api", "received_pps", 3, 5), 50);
  double dropped = 0;
  for (const auto& key : s.keys())
    if (std::get<0>(key) == "partition" && std::get<2>(key) == "dropped_pps")
      dropped += s.mean(std::get<0>(key), std::get<1>(key), "dropped_pps", 14, 16);
  EXPECT_GT(dropped, 1) << "partition drops per second while it stood";
  // The segment went through the link engine (it has a fault), which counted what it delivered.
  EXPECT_GT(s.mean("segment:backend", "", "engine_delivered_pps", 3, 5), 50);

  // Load 100 -> 250 req/s for 4 s, then back.
  const double off_base = s.mean("", "system", "offered_rps", 3, 5);
  const double off_fault = s.mean("", "system", "offered_rps", 22, 24);
  const double req_fault = s.mean("api", "api", "requests_rps", 22, 24);
  const double off_after = s.mean("", "system", "offered_rps", 26, 28);
  std::printf("offered: baseline %.1f/s, load fault %.1f/s (api served %.1f/s), after %.1f/s\n", off_base, off_fault,
              req_fault, off_after);
  EXPECT_NEAR(off_fault, 250, 40);  // Poisson over 3 ticks: sigma 9/s
  EXPECT_NEAR(req_fault, 250, 40) << "the partition healed and api serves the new rate";
  EXPECT_NEAR(off_after, 100, 20) << "the load's rate was reverted";

  // The restart killed db's service: an exit event naming the fault and the
  // process, then the service came back. The client's command ended on its
  // own, named as what it was.
  int exits = 0, commands = 0;
  for (const auto& e : read_events(out() / "events.jsonl"))
    if (e["kind"] == "exit" && e.value("process", "") == "command") {
      ++commands;
      EXPECT_EQ(e["node"], "client") << e.dump();
      EXPECT_EQ(e["status"], "exit status 0") << e.dump();
      EXPECT_FALSE(e.contains("fault")) << e.dump();
    } else if (e["kind"] == "exit") {
      ++exits;
      EXPECT_EQ(e["node"], "db");
      EXPECT_EQ(e.value("process", ""), "service db") << e.dump();
      EXPECT_EQ(e.value("fault", -1), 3) << e.dump();
      EXPECT_EQ(e["status"], "killed by signal 9");
      EXPECT_NEAR(e["t"].get<double>(), 25, 0.5);
    }
  EXPECT_EQ(exits, 1);
  EXPECT_EQ(commands, 1);
  // The restart was the last fault to end: the recovery phase starts with it.
  double recovery = -1;
  for (const auto& e : read_events(out() / "events.jsonl"))
    if (e["kind"] == "phase" && e["phase"] == "recovery") recovery = e["t"];
  EXPECT_NEAR(recovery, 25, 0.5);
  EXPECT_GT(s.mean("db", "db", "requests_rps", 28, 29), 50) << "db answers again after its restart";
  // Every series a check may name has a system row (errors, shed, cpu, ...).
  for (const char* m : {"errors_rps", "p50_s", "shed_rps", "requests_rps", "cpu_cores", "memory_bytes", "calls_rps"})
    EXPECT_TRUE(std::isfinite(s.mean("", "system", m, 3, 5))) << m;
  EXPECT_TRUE(std::isfinite(s.mean("api", "api", "attempts_rps", 3, 5)));

  const json sum = read_summary(out() / "summary.json");
  ASSERT_EQ(sum["faults"].size(), 4u);
  EXPECT_EQ(sum["faults"][2]["target"], "load:client");
  // The restart took db's unpulled records with it: said, and the records
  // are not complete; the client's load generator never ended (its command
  // did, which records nothing).
  EXPECT_GE(sum["records"]["sources"]["db"].value("ended", 0), 1) << sum["records"].dump();
  EXPECT_EQ(sum["records"]["sources"]["load:client"].value("ended", -1), 0) << sum["records"].dump();
  EXPECT_FALSE(sum["records"].value("complete", true)) << sum["records"].dump();
  // A link fault names its link's nodes, which the report matches to the
  // calls over it; the others have no link.
  EXPECT_EQ(sum["faults"][1]["link"], json::array({"client", "api"})) << sum["faults"][1].dump();
  for (const size_t i : {0u, 2u, 3u}) EXPECT_FALSE(sum["faults"][i].contains("link")) << sum["faults"][i].dump();
  // The resolved configuration, the versions, the analysis' health per tick.
  EXPECT_EQ(sum["config"]["experiment"]["name"], "faults-e2e");
  EXPECT_EQ(sum["config"]["fault"].size(), 4u);
  EXPECT_TRUE(sum["faultline"]["libraries"].contains("boost"));
  ASSERT_TRUE(sum["health"]["services"].contains("db"));
  EXPECT_GE(sum["health"]["services"]["db"].get<std::string>().size(), 28u);
}

TEST_F(RunFaults, VariantsRepeatedWithOtherSeedsAreCompared) {
  const auto file = write_topology(R"T(
[experiment]
name = "variants"
seed = 40
duration = "12s"
warmup = "1s"
baseline = "3s"
horizon = "5s"
metrics_port = )T" + std::to_string(test_port(12)) + R"T(

[[node]]
name = "client"
load = { target = "api:8080", rate = 60, arrival = "poisson", timeout = "3s" }

[[node]]
name = "api"
  [[node.service]]
  port = 8080
  workers = 64
  calls = [{ to = "db:5432", timeout = "100ms", retries = 0, backoff = "5ms" }]

[[node]]
name = "db"
  [[node.service]]
  port = 5432
  workers = 4

[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "db"]

[[fault]]
at = "5s"
for = "2s"
target = "node:db"
action = "pause"

[expect]
recovery_window = "3s"

[[variant]]
name = "no-retries"
set = []

[[variant]]
name = "retries"
set = ["node.api.service.8080.calls.db:5432.retries=3"]
)T");
  const auto r = run(file, "--repeat 2 --out " + out().string());
  ASSERT_TRUE(r.status == 0 || r.status == 1) << r.out;
  // Four runs: each variant twice, seeds 40 and 41.
  for (const char* v : {"no-retries", "retries"})
    for (const char* rep : {"0", "1"}) {
      const auto p = out() / v / rep / "summary.json";
      ASSERT_TRUE(fs::exists(p)) << p;
      const json sm = read_summary(p);
      EXPECT_EQ(sm["experiment"]["seed"].get<uint64_t>(), rep[0] == '0' ? 40u : 41u) << p;
      EXPECT_EQ(sm["experiment"]["variant"], v) << p;
    }
  // The comparison, as `faultline compare` writes it (run writes it too).
  const auto c = run_cmd(cli("compare " + out().string()));
  ASSERT_EQ(c.status, 0) << c.out;
  EXPECT_NE(c.out.find("no-retries"), std::string::npos) << c.out;
  const std::string csv = slurp(out() / "compare.csv");
  std::map<std::string, std::vector<std::string>> rows;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) cells.push_back(x);
    rows[cells.at(0)] = cells;
  }
  std::printf("%s", c.out.c_str());
  ASSERT_TRUE(rows.count("no-retries") && rows.count("retries")) << csv;
  EXPECT_EQ(rows["retries"][1], "2");
  EXPECT_EQ(rows["no-retries"][1], "2");
  // Amplification at db while it is paused: 4 attempts per call with retries, 1 without.
  const double amp_no = std::stod(rows["no-retries"].at(9)), amp_yes = std::stod(rows["retries"].at(9));
  EXPECT_LT(amp_no, 1.3) << csv;
  EXPECT_GT(amp_yes, 2.0) << csv;
  // Recovered runs are counted out of the runs (whether each recovered
  // depends on sub-millisecond p99s, too noisy to assert here).
  EXPECT_LE(std::stoi(rows["no-retries"][3]), 2);
}

TEST_F(RunFaults, TheSameSeedReproducesArrivalsAndLinkEngineDecisions) {
  // pinger -> echo through the link engine with 25% loss each way: which
  // echo requests come back is the engine's decisions, packet by packet.
  const auto file = write_topology(R"T(
[experiment]
name = "repro"
seed = 1
duration = "5s"
warmup = "1s"
baseline = "2s"
metrics_port = )T" + std::to_string(test_port(13)) + R"T(

[[node]]
name = "client"
load = { target = "api:8080", rate = 400, arrival = "poisson", timeout = "2s" }

[[node]]
name = "api"
  [[node.service]]
  port = 8080
  workers = 32

[[node]]
name = "pinger"
command = "ping -n -c 150 -i 0.01 -W 1 echo"

[[node]]
name = "echo"

[[link]]
between = ["client", "api"]
[[link]]
between = ["pinger", "echo"]
loss = "25%"
)T");
  struct Outcome {
    std::vector<int> replies;  // icmp_seq of each echo reply
    std::vector<std::string> digests;
  };
  auto once = [&](const std::string& name, uint64_t seed) {
    const auto dir = out(name);
    const auto r = run(file, "--seed " + std::to_string(seed) + " --out " + dir.string());
    EXPECT_TRUE(r.status == 0 || r.status == 1) << r.out;
    EXPECT_EQ(read_summary(dir / "summary.json")["experiment"]["seed"].get<uint64_t>(), seed);
    Outcome o;
    const std::string ping = slurp(dir / "logs" / "pinger.log");
    static const std::regex seq("icmp_seq=([0-9]+) ");
    for (std::sregex_iterator it(ping.begin(), ping.end(), seq), end; it != end; ++it) o.replies.push_back(std::stoi((*it)[1]));
    const std::string load = slurp(dir / "logs" / "client.load.log");
    static const std::regex dig("arrivals 1\\.\\.([0-9]+) digest ([0-9a-f]+)");
    for (std::sregex_iterator it(load.begin(), load.end(), dig), end; it != end; ++it)
      o.digests.push_back((*it)[1].str() + ":" + (*it)[2].str());
    return o;
  };
  const Outcome a = once("a", 11), b = once("b", 11), c = once("c", 12);
  std::printf("seed 11: %zu of 150 echoes came back (twice), seed 12: %zu; digests %s / %s\n", a.replies.size(),
              c.replies.size(), a.digests.empty() ? "-" : a.digests.back().c_str(),
              c.digests.empty() ? "-" : c.digests.back().c_str());
  // About 0.75 * 0.75 of them come back.
  EXPECT_GT(a.replies.size(), 60u);
  EXPECT_LT(a.replies.size(), 110u);
  EXPECT_EQ(a.replies, b.replies) << "the same seed, the same losses";
  EXPECT_NE(a.replies, c.replies) << "another seed, other losses";
  EXPECT_GT(Series(out("a") / "timeseries.csv").mean("link:pinger-echo", "pinger->echo", "engine_dropped_pps", 0, 5), 0)
      << "the engine counted its drops";
  ASSERT_GE(a.digests.size(), 2u) << "100 and 1000 arrivals logged";
  EXPECT_EQ(a.digests, b.digests) << "the same seed, the same arrival times";
  ASSERT_EQ(c.digests.size(), a.digests.size());
  for (size_t i = 0; i < a.digests.size(); ++i) EXPECT_NE(a.digests[i], c.digests[i]);
}

TEST_F(RunFaults, KillDashNineMidRunThenCleanupLeavesNothing) {
  const auto file = write_topology(R"T(
[experiment]
name = "kill9"
duration = "60s"
warmup = "1s"
baseline = "1s"
metrics_port = )T" + std::to_string(test_port(14)) + R"T(

[[node]]
name = "client"
load = { target = "api:8080", rate = 50, timeout = "1s" }

[[node]]
name = "api"
cpu = 1
  [[node.service]]
  port = 8080
  calls = [{ to = "db:5432", timeout = "500ms" }]

[[node]]
name = "db"
cpu = 0.5
  [[node.service]]
  port = 5432

[[node]]
name = "idle"
command = "sleep 600"

[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "db"]
[[link]]
between = ["api", "idle"]

[[fault]]
at = "3s"
target = "node:db"
cpu = 0.1

[[fault]]
at = "3s"
target = "node:idle"
action = "pause"

[[fault]]
at = "3s"
target = "link:api-db"
delay = "20ms"

[[fault]]
at = "3s"
target = "node:api"
action = "cpu-hog"
hog_cpu = 0.2

[[fault]]
at = "3s"
target = "link:client-api"
action = "partition"
)T");
  const pid_t pid = spawn_cli("run " + file + " --name " + run_ + " --out " + out().string() + " -q");
  ASSERT_GT(pid, 0);
  // Every fault applied.
  size_t applied = 0;
  for (int i = 0; i < 300 && applied < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (fs::exists(out() / "events.jsonl")) applied = fault_times(out() / "events.jsonl").size();
  }
  ASSERT_EQ(applied, 5u) << "the faults were never all applied";
  // What the run recorded: every process it started (workloads, hog, engine) and holder.
  const auto st = state();
  std::vector<runtime::ProcId> procs;
  for (const auto& p : st.processes) procs.push_back(p.id);
  for (const auto& h : st.holders) procs.push_back(h.id);
  ASSERT_GE(procs.size(), 9u) << "4 nodes + fabric, 3 workloads, a command, a hog, the engine";
  ASSERT_FALSE(existing_cgroup_dirs("faultline/" + run_).empty());
  std::vector<NetnsRef> netns;
  for (const auto& h : st.holders) {
    const int fd = ::open(("/proc/" + std::to_string(h.id.pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    netns.push_back(netns_ref(fd));
    ::close(fd);
  }

  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));

  // A frozen node (the pause) holds its SIGKILL until thawed: cleanup thaws first.
  const auto r = run_cmd(cli("cleanup"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out.find("error"), std::string::npos) << r.out;
  for (const auto& id : procs) EXPECT_FALSE(runtime::is_alive(id)) << "pid " << id.pid << " outlived cleanup";
  EXPECT_TRUE(existing_cgroup_dirs("faultline/" + run_).empty()) << "the CPU cut's cgroup is gone";
  EXPECT_FALSE(fs::exists(runtime::run_dir(run_))) << "the run's state folder is gone";
  for (const auto& n : netns) EXPECT_FALSE(netns_held(n)) << "a network namespace of the run is still held";
  // TearDown: no host interface and no cgroup of the run left.
}
