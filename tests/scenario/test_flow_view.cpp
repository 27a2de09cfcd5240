// SPDX-License-Identifier: Apache-2.0
// The flow view through `faultline run`: a partition between api and db shows
// on the wire first on that pair (summary.json's flow.first_bad_edge), the
// client's pair follows or stays clean, and timeseries.csv carries the pair's
// rows: failed connection attempts while the partition holds, none before.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/chain_topology.hpp"
#include "tests/support/chromium.hpp"
#include "tests/support/cli_run_test.hpp"
#include "tests/support/run_results.hpp"

using namespace faultline;
using namespace faultline::testing;
namespace fs = std::filesystem;

namespace {

class FlowView : public CliRunTest {};

std::string topology(uint16_t port) {
  return R"T(
[experiment]
name = "flow-view"
seed = 3
duration = "16s"
warmup = "2s"
baseline = "4s"
horizon = "4s"
metrics_port = )T" + std::to_string(port) + R"T(

[[node]]
name = "client"
load = { target = "api:8080", rate = 50, arrival = "poisson", timeout = "1s" }

[[node]]
name = "api"
  [[node.service]]
  port = 8080
  workers = 32
  calls = [{ to = "db:5432", timeout = "200ms", retries = 2 }]

[[node]]
name = "db"
  [[node.service]]
  port = 5432

[[link]]
between = ["client", "api"]

[[link]]
between = ["api", "db"]

[[fault]]
at = "8s"
for = "4s"
target = "link:api-db"
action = "partition"
)T";
}

}  // namespace

TEST_F(FlowView, APartitionShowsOnItsPairFirst) {
  const auto file = write_topology(topology(test_port(41)));
  const fs::path out = dir_ / "results";
  const auto r = run_cmd(cli("run " + file + " --name " + run_ + " --out " + out.string() + " -q"));
  ASSERT_TRUE(fs::exists(out / "summary.json")) << r.out;
  const auto s = read_summary(out / "summary.json");
  ASSERT_TRUE(s.contains("flow")) << "no flow section";
  const auto& f = s["flow"];
  ASSERT_TRUE(f["available"].get<bool>()) << f["why_not"];
  ASSERT_TRUE(f["first_bad_edge"].is_string()) << f.dump(2);
  const std::string first = f["first_bad_edge"];
  EXPECT_TRUE(first == "api->db" || first == "db->api") << f.dump(2);
  const double first_s = f["order"][0]["bad_s"];
  EXPECT_GE(first_s, 8.0) << "bad before the partition";
  EXPECT_LE(first_s, 10.0) << "seen late";
  for (const auto& o : f["order"]) EXPECT_GE(o["bad_s"].get<double>(), first_s) << o.dump();

  const Series ts(out / "timeseries.csv");
  ASSERT_TRUE(ts.has("flow", "api->db", "connects_failed_ps"));
  EXPECT_GT(ts.mean("flow", "api->db", "flow_pps", 3, 7), 10) << "api's calls to db on the wire before the fault";
  EXPECT_EQ(ts.mean("flow", "api->db", "connects_failed_ps", 3, 7), 0) << "failed connects before the partition";
  EXPECT_LT(ts.mean("flow", "api->db", "retransmits_ps", 3, 7), 0.5) << "retransmissions on a clean link";
  // A partition holds SYNs: the attempts api made fail (its call timeout
  // closes them unestablished) or are resent.
  const double during = ts.mean("flow", "api->db", "connects_failed_ps", 8.5, 12) +
                        ts.mean("flow", "api->db", "retransmits_ps", 8.5, 12);
  EXPECT_GT(during, 0) << "the partition did not show on the wire";
  ASSERT_TRUE(fs::exists(out / "report.html"));

  // The report at the tick the pair went bad: the api->db call carries the
  // trouble on its wire, and the order is summary.json's.
  const std::string chromium = find_chromium();
  if (chromium.empty()) return;  // the rest needs a browser
  std::string at = std::to_string(first_s);
  at.erase(at.find_last_not_of('0') + 1);
  auto args = chromium_args(chromium, dir_ / "profile", 3000);
  args.push_back("--dump-dom");
  args.push_back("file://" + (out / "report.html").string() + "#t=" + at);
  const Ran ran = faultline::testing::run(args, dir_ / "dom.html", dir_ / "chromium.stderr", 25);
  ASSERT_TRUE(ran.started && !ran.timed_out);
  const auto rc = render_check(slurp(dir_ / "dom.html"));
  EXPECT_EQ(rc.count("data-ok") ? rc.at("data-ok") : "", "1") << (rc.count("data-errors") ? rc.at("data-errors") : "no render check");
  EXPECT_NE(rc.count("data-wire-now") ? rc.at("data-wire-now").find("api->db=") : std::string::npos, std::string::npos)
      << "at t=" << at << ": " << (rc.count("data-wire-now") ? rc.at("data-wire-now") : "");
  EXPECT_EQ(rc.count("data-wire-order") ? rc.at("data-wire-order").substr(0, first.size()) : "", first);
}

// Each node's run-queue delay through `faultline run`: two busy loops on
// half a core wait for a CPU most of the time, a node that sleeps hardly
// ever; timeseries.csv has both beside the cgroup's throttling, and
// summary.json's host says the flow view loads here.
TEST_F(FlowView, TheRunQueueDelayIsTheBusyNodes) {
  const auto file = write_topology(R"T(
[experiment]
name = "runq"
duration = "7s"
warmup = "1s"
baseline = "2s"
metrics_port = )T" + std::to_string(test_port(42)) + "\n" + kBusyAndCalm);
  const fs::path out = dir_ / "results";
  const auto r = run_cmd(cli("run " + file + " --name " + run_ + " --out " + out.string() + " -q"));
  ASSERT_TRUE(fs::exists(out / "summary.json")) << r.out;
  const auto s = read_summary(out / "summary.json");
  ASSERT_TRUE(s["host"]["features"].contains("flow_view")) << s["host"].dump(2);
  ASSERT_TRUE(s["host"]["features"]["flow_view"].get<bool>()) << s["host"]["backends"].dump(2);
  const Series ts(out / "timeseries.csv");
  ASSERT_TRUE(ts.has("busy", "", "runq_wait_share"));
  ASSERT_TRUE(ts.has("calm", "", "runq_wait_share"));
  const double busy = ts.mean("busy", "", "runq_wait_share", 2, 7), calm = ts.mean("calm", "", "runq_wait_share", 2, 7);
  std::printf("runq_wait_share: busy %.3f, calm %.4f s/s; busy waits %.1f ms each, throttled %.2f s per tick\n", busy, calm,
              ts.mean("busy", "", "runq_delay_s", 2, 7) * 1e3, ts.mean("busy", "", "cpu_throttled_s", 2, 7));
  EXPECT_GT(busy, 0.7) << "two busy loops on half a core hardly waited";
  EXPECT_LT(calm * 4, busy);
  EXPECT_GT(ts.mean("busy", "", "runq_delay_s", 2, 7), ts.mean("calm", "", "runq_delay_s", 2, 7));
  EXPECT_GT(ts.mean("busy", "", "cpu_throttled_s", 2, 7), 0) << "the quota never throttled the loops";
}
