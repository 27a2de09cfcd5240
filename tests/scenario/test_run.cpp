// SPDX-License-Identifier: Apache-2.0
// `faultline run` end to end, as a user runs it: a CPU cut on the last tier of
// a chain degrades the tiers above it in order and the system recovers after
// the cut; Ctrl-C in the middle of a fault reverts it and leaves nothing; a
// real Prometheus server scrapes the run's endpoint while it runs.
#include <gtest/gtest.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/measure/scraper.hpp"
#include "orchestrator/runtime/netns.hpp"
#include "tests/support/cli_run_test.hpp"
#include "tests/support/run_results.hpp"

using namespace faultline;
using namespace faultline::testing;
using nlohmann::json;

namespace {

std::string chain(uint16_t metrics_port, const std::string& timing) {
  return R"T(
[experiment]
name = "cpu-cut"
seed = 3
)T" + timing + R"T(
metrics_port = )T" + std::to_string(metrics_port) + R"T(

[[node]]
name = "client"
load = { target = "api:8080", rate = 100, arrival = "poisson", timeout = "2s" }

[[node]]
name = "api"
  [[node.service]]
  port = 8080
  workers = 64
  calls = [{ to = "app:8080", timeout = "1s", retries = 1, backoff = "10ms" }]

[[node]]
name = "app"
  [[node.service]]
  port = 8080
  workers = 64
  calls = [{ to = "db:5432", timeout = "300ms", retries = 1, backoff = "10ms" }]

[[node]]
name = "db"
cpu = 0.5
  [[node.service]]
  port = 5432
  workers = 8
  queue = 256
  work = "exp(2ms)"

[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "app"]
[[link]]
between = ["app", "db"]

[[fault]]
at = "9s"
for = "6s"
target = "node:db"
cpu = 0.05

[expect]
recovers_within = "12s"
)T";
}

class RunTest : public CliRunTest {
 protected:
  std::filesystem::path out() const { return dir_ / "results"; }
};

}  // namespace

TEST_F(RunTest, CpuCutOnTheLastTierDegradesTheTiersAboveInOrderAndRecovers) {
  const auto file = write_topology(chain(test_port(1), "duration = \"30s\"\nwarmup = \"3s\"\nbaseline = \"6s\"\nhorizon = \"12s\""));
  const auto r = run_cmd(cli("run " + file + " --name " + run_ + " --out " + out().string() + " -q"));
  ASSERT_TRUE(r.status == 0 || r.status == 1) << r.out;
  const json s = read_summary(out() / "summary.json");
  std::printf("%s\n", s["verdict"]["headline"].get<std::string>().c_str());

  // Propagation: db first, then app, then api, each through the one it
  // calls. Onsets within the summary's resolution come in that order too (a
  // caller's request starts microseconds before the call it makes: 34.657 ms
  // for api against 34.658 ms for app in one run) and are marked simultaneous.
  std::map<std::string, double> when;
  std::vector<std::string> order;
  for (const auto& p : s["propagation"]) {
    when[p["service"]] = p["after_fault_s"];
    order.push_back(p["service"]);
  }
  ASSERT_EQ(order, (std::vector<std::string>{"db", "app", "api"})) << s["propagation"].dump();
  EXPECT_EQ(s["propagation"][1]["via"], "db") << s["propagation"].dump();
  EXPECT_EQ(s["propagation"][2]["via"], "app") << s["propagation"].dump();
  for (size_t i = 1; i < 3; ++i) {
    const json& p = s["propagation"][i];
    const double gap = p["after_fault_s"].get<double>() - s["propagation"][i - 1]["after_fault_s"].get<double>();
    EXPECT_TRUE(gap >= 0 || p["simultaneous"].get<bool>()) << s["propagation"].dump();
  }
  EXPECT_LT(when["api"], 6.0) << "degraded while the cut lasted";
  EXPECT_EQ(s["verdict"]["recovered"], true) << s.dump(2);
  EXPECT_EQ(r.status, 0) << "recovers_within held";

  // The fault: applied at 9 s, reverted at 15 s, both events recorded.
  const auto events = read_events(out() / "events.jsonl");
  double applied = -1, reverted = -1;
  for (const auto& e : events)
    if (e["kind"] == "fault") (e["state"] == "applied" ? applied : e["state"] == "reverted" ? reverted : applied) = e["t"];
  EXPECT_NEAR(applied, 9, 0.5);
  EXPECT_NEAR(reverted, 15, 0.5);

  // The series exist, long form, per tick; the report was written.
  const std::string csv = slurp(out() / "timeseries.csv");
  EXPECT_EQ(csv.rfind("t,node,service,metric,value\n", 0), 0u);
  EXPECT_NE(csv.find(",db,db,goodput_rps,"), std::string::npos);
  EXPECT_NE(csv.find(",,system,offered_rps,"), std::string::npos);
  EXPECT_NE(csv.find(",db,,cpu_cores,"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(out() / "report.html"));
  EXPECT_TRUE(std::filesystem::exists(out() / "logs"));
  EXPECT_FALSE(s["host"]["kernel"].get<std::string>().empty());
}

TEST_F(RunTest, CtrlCDuringAFaultRevertsItAndLeavesNothing) {
  const auto file = write_topology(chain(test_port(2), "duration = \"60s\"\nwarmup = \"1s\"\nbaseline = \"2s\""));
  const pid_t pid = spawn_cli("run " + file + " --name " + run_ + " --out " + out().string() + " -q");
  ASSERT_GT(pid, 0);
  // Wait for the fault (at 9 s) to be applied.
  bool applied = false;
  for (int i = 0; i < 400 && !applied; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (std::filesystem::exists(out() / "events.jsonl"))
      for (const auto& e : read_events(out() / "events.jsonl"))
        applied = applied || (e["kind"] == "fault" && e["state"] == "applied");
  }
  ASSERT_TRUE(applied) << "the fault was never applied";
  ::kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4) << "interrupted";
  bool reverted = false;
  for (const auto& e : read_events(out() / "events.jsonl"))
    reverted = reverted || (e["kind"] == "fault" && e["state"] == "reverted");
  EXPECT_TRUE(reverted) << "the CPU cut was reverted before the run went down";
  const json s = read_summary(out() / "summary.json");
  EXPECT_EQ(s["experiment"]["interrupted"], true);
  EXPECT_EQ(s["passed"], false);
  // TearDown checks that no host link and no cgroup of the run is left.
  EXPECT_FALSE(std::filesystem::exists(runtime::run_dir(run_))) << "the run's state folder is gone";
}

TEST_F(RunTest, PrometheusScrapesTheRunsEndpointWhileItRuns) {
  if (::access("/usr/bin/prometheus", X_OK) != 0) GTEST_SKIP() << "Debian's prometheus package is not installed";
  const uint16_t mport = test_port(3), pport = test_port(4);
  const auto cfg = dir_ / "prometheus.yml";
  std::ofstream(cfg) << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: faultline\n"
                        "    static_configs:\n      - targets: ['127.0.0.1:"
                     << mport << "']\n";
  const pid_t prom = ::fork();
  ASSERT_GE(prom, 0);
  if (prom == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    const std::string c = "--config.file=" + cfg.string(), st = "--storage.tsdb.path=" + (dir_ / "tsdb").string(),
                      l = "--web.listen-address=127.0.0.1:" + std::to_string(pport);
    ::execl("/usr/bin/prometheus", "prometheus", c.c_str(), st.c_str(), l.c_str(), nullptr);
    ::_exit(127);
  }
  const auto file = write_topology(chain(mport, "duration = \"16s\"\nwarmup = \"1s\"\nbaseline = \"2s\"\nhorizon = \"1s\""));
  const pid_t runner = spawn_cli("run " + file + " --name " + run_ + " --out " + out().string() + " -q");
  ASSERT_GT(runner, 0);
  // Ask Prometheus, as a user would, for a figure only the run's endpoint has.
  auto self = runtime::open_ns(::getpid(), "net");
  ASSERT_TRUE(self.ok());
  measure::Scraper api(self->get(), pport, std::chrono::milliseconds(2000));
  bool seen = false;
  std::string last;
  for (int i = 0; i < 30 && !seen; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto r = api.get("/api/v1/query?query=faultline_run_goodput_rps%7Bservice%3D%22db%22%7D");
    if (!r.ok()) continue;
    last = *r;
    const json j = json::parse(*r, nullptr, false);
    seen = !j.is_discarded() && j["status"] == "success" && !j["data"]["result"].empty() &&
           j["data"]["result"][0]["metric"]["run"] == run_;
  }
  int st = 0;
  ::waitpid(runner, &st, 0);
  ::kill(prom, SIGTERM);
  ::waitpid(prom, nullptr, 0);
  EXPECT_TRUE(seen) << "Prometheus never had faultline_run_goodput_rps for the run: " << last;
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) <= 1);
  EXPECT_EQ(read_summary(out() / "summary.json")["experiment"]["name"], "cpu-cut");
}
