// SPDX-License-Identifier: Apache-2.0
// Propagation measured to the millisecond, end to end with `faultline run`:
// two leaves killed 300 ms apart are found 300 ms apart and in order; a
// fault-free run at 60% utilisation marks nothing degraded under three
// seeds; services an upstream failure leaves without requests are idle, not
// degraded; retries multiply attempts per hop and cumulatively as
// configured; the records export as OTLP/JSON that a real protobuf parser
// accepts, with parents that follow the call graph.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <vector>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_run_test.hpp"
#include "tests/support/run_results.hpp"

using namespace faultline;
using namespace faultline::testing;
using nlohmann::json;

namespace {

class Propagation : public CliRunTest {
 protected:
  std::filesystem::path out() const { return dir_ / "results"; }
  // Runs the topology; the summary.
  json run(const std::string& body, const std::string& extra = "") {
    const auto file = write_topology(body);
    const auto r = run_cmd(cli("run " + file + " --name " + run_ + " --out " + out().string() + " -q " + extra));
    EXPECT_TRUE(r.status == 0 || r.status == 1) << r.out;
    last_out_ = r.out;
    return json::parse(slurp(out() / "summary.json"));
  }
  std::string last_out_;
};

std::map<std::string, json> steps(const json& s) {
  std::map<std::string, json> out;
  for (const auto& p : s["propagation"]) out[p["service"].get<std::string>()] = p;
  return out;
}

// The share of windows after t_s in state `letter` in a health string.
size_t count_after(const std::string& health, double window_s, double t_s, char letter) {
  size_t n = 0;
  for (size_t i = static_cast<size_t>(t_s / window_s); i < health.size(); ++i) n += health[i] == letter;
  return n;
}

}  // namespace

TEST_F(Propagation, TwoLeavesKilled300msApartAreFound300msApartInOrder) {
  const json s = run(R"T(
[experiment]
name = "two-leaves"
seed = 5
duration = "14s"
warmup = "2s"
baseline = "5s"
horizon = "3s"
metrics_port = )T" + std::to_string(test_port(11)) + R"T(

[[node]]
name = "client"
load = { target = "gw:8080", rate = 300, timeout = "1s" }

[[node]]
name = "gw"
  [[node.service]]
  port = 8080
  workers = 64
  parallel = true
  calls = [{ to = "left:80", timeout = "500ms" }, { to = "right:80", timeout = "500ms" }]

[[node]]
name = "left"
  [[node.service]]
  port = 80
  wait = "1ms"

[[node]]
name = "right"
  [[node.service]]
  port = 80
  wait = "1ms"

[[link]]
between = ["client", "gw"]
[[link]]
between = ["gw", "left"]
[[link]]
between = ["gw", "right"]

[[fault]]
at = "8s"
target = "node:left"
action = "kill"

[[fault]]
at = "8300ms"
target = "node:right"
action = "kill"
)T");
  auto st = steps(s);
  ASSERT_TRUE(st.count("left") && st.count("right") && st.count("gw")) << s["propagation"].dump(1);
  const double left = st["left"]["after_fault_s"], right = st["right"]["after_fault_s"], gw = st["gw"]["after_fault_s"];
  EXPECT_NEAR(left, 0.0, tol(0.05)) << s["propagation"].dump(1);
  EXPECT_NEAR(right, 0.3, tol(0.05)) << s["propagation"].dump(1);
  EXPECT_LT(left, right);
  EXPECT_NEAR(gw, left, tol(0.05)) << "the caller fails with the first leaf";
  EXPECT_FALSE(st["right"]["simultaneous"].get<bool>()) << "300 ms is beyond the 50 ms resolution";
  EXPECT_EQ(st["right"]["via"], "") << "a leaf calls nothing; its callers degraded before it: "
                                    << st["right"].dump();
  EXPECT_EQ(st["gw"]["via"], "left");
  EXPECT_EQ(st["gw"]["via_edge"], "gw->left");
  EXPECT_DOUBLE_EQ(s["verdict"]["blast_radius"].get<double>(), 1.0);
  // Every span was recorded and pulled, except what the two killed leaves
  // held since their last pull: said per leaf, and so not complete.
  EXPECT_EQ(s["records"]["dropped"], 0) << s["records"].dump();
  EXPECT_EQ(s["records"]["unsampled"], 0) << s["records"].dump();
  EXPECT_EQ(s["records"]["sources"]["left"]["ended"], 1) << s["records"].dump();
  EXPECT_EQ(s["records"]["sources"]["right"]["ended"], 1) << s["records"].dump();
  EXPECT_EQ(s["records"]["sources"]["gw"]["ended"], 0) << s["records"].dump();
  EXPECT_EQ(s["records"]["complete"], false) << s["records"].dump();
}

TEST_F(Propagation, AFaultFreeRunAtSixtyPercentUtilisationMarksNothingDegraded) {
  // M/M/4 at rho = 0.6: 200 req/s, each waiting 12 ms on average (no CPU,
  // so the host's own load does not enter), four workers.
  for (int seed : {1, 2, 3}) {
    const json s = run(R"T(
[experiment]
name = "calm"
seed = )T" + std::to_string(seed) + R"T(
duration = "25s"
warmup = "3s"
baseline = "8s"
metrics_port = )T" + std::to_string(test_port(20 + seed)) + R"T(

[[node]]
name = "client"
load = { target = "api:8080", rate = 200, arrival = "poisson", timeout = "2s" }

[[node]]
name = "api"
  [[node.service]]
  port = 8080
  workers = 8
  calls = [{ to = "db:80", timeout = "1s" }]

[[node]]
name = "db"
  [[node.service]]
  port = 80
  workers = 4
  queue = 512
  wait = "exp(12ms)"

[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "db"]
)T");
    for (const auto& [name, h] : s["health"]["services"].items()) {
      const std::string letters = h;
      // A host too busy to schedule the workloads fails them for real; say so.
      EXPECT_EQ(letters.find_first_of("df"), std::string::npos)
          << "seed " << seed << ": " << name << " " << letters << "\nhost: " << s["host"].dump();
      EXPECT_GT(std::count(letters.begin(), letters.end(), 'h'), 200) << name << " was judged";
    }
    EXPECT_TRUE(s["propagation"].empty()) << s["propagation"].dump();
    EXPECT_DOUBLE_EQ(s["verdict"]["blast_radius"].get<double>(), 0.0);
    std::filesystem::remove_all(out());
  }
}

TEST_F(Propagation, ServicesLeftWithoutRequestsAreIdleNotDegraded) {
  // gw calls `first`, and `second` only once `first` answered: when first is
  // killed, second is asked nothing. Two of three degraded, not three.
  const json s = run(R"T(
[experiment]
name = "idle"
seed = 9
duration = "14s"
warmup = "2s"
baseline = "5s"
horizon = "3s"
metrics_port = )T" + std::to_string(test_port(31)) + R"T(

[[node]]
name = "client"
load = { target = "gw:8080", rate = 200, timeout = "1s" }

[[node]]
name = "gw"
  [[node.service]]
  port = 8080
  calls = [{ to = "first:80", timeout = "300ms" }, { to = "second:80", timeout = "300ms" }]

[[node]]
name = "first"
  [[node.service]]
  port = 80

[[node]]
name = "second"
  [[node.service]]
  port = 80

[[link]]
between = ["client", "gw"]
[[link]]
between = ["gw", "first"]
[[link]]
between = ["gw", "second"]

[[fault]]
at = "8s"
target = "node:first"
action = "kill"
)T");
  auto st = steps(s);
  EXPECT_TRUE(st.count("first") && st.count("gw")) << s["propagation"].dump(1);
  EXPECT_FALSE(st.count("second")) << "asked nothing is not degraded: " << s["propagation"].dump(1);
  EXPECT_NEAR(s["verdict"]["blast_radius"].get<double>(), 2.0 / 3, 1e-6);
  const std::string second = s["health"]["services"]["second"];
  const double w = s["health"]["window_s"];
  EXPECT_GT(count_after(second, w, 8.5, 'i'), 30u) << second;
  EXPECT_EQ(count_after(second, w, 8.0, 'd') + count_after(second, w, 8.0, 'f'), 0u) << second;
}

TEST_F(Propagation, RetriesAmplifyPerHopAndCumulativelyAsConfigured) {
  // client -> a -> b -> leaf, the leaf always failing (500); a and b retry
  // twice: 3 attempts per call at each hop, 9 at the leaf per organic request.
  const json s = run(R"T(
[experiment]
name = "amplify"
seed = 4
duration = "12s"
warmup = "2s"
baseline = "4s"
metrics_port = )T" + std::to_string(test_port(41)) + R"T(

[[node]]
name = "client"
load = { target = "a:80", rate = 50, timeout = "5s" }

[[node]]
name = "a"
  [[node.service]]
  port = 80
  calls = [{ to = "b:80", timeout = "2s", retries = 2, backoff = "1ms" }]

[[node]]
name = "b"
  [[node.service]]
  port = 80
  calls = [{ to = "leaf:80", timeout = "500ms", retries = 2, backoff = "1ms" }]

[[node]]
name = "leaf"
  [[node.service]]
  port = 80
  error_rate = "100%"

[[link]]
between = ["client", "a"]
[[link]]
between = ["a", "b"]
[[link]]
between = ["b", "leaf"]
)T");
  std::map<std::string, json> amp;
  for (const auto& e : s["amplification"]) amp[e["callee"].get<std::string>()] = e;
  ASSERT_TRUE(amp.count("b") && amp.count("leaf")) << s["amplification"].dump(1);
  EXPECT_NEAR(amp["b"]["per_hop"].get<double>(), 3, 0.15) << amp["b"].dump();
  EXPECT_NEAR(amp["leaf"]["per_hop"].get<double>(), 3, 0.15) << amp["leaf"].dump();
  EXPECT_NEAR(amp["b"]["cumulative"].get<double>(), 3, 0.15) << amp["b"].dump();
  EXPECT_NEAR(amp["leaf"]["cumulative"].get<double>(), 9, 0.45) << amp["leaf"].dump();
  EXPECT_NEAR(amp["a"]["per_hop"].get<double>(), 1, 0.05) << "the client does not retry";
  EXPECT_NEAR(s["verdict"]["max_cumulative_amplification"].get<double>(), 9, 0.45);
  EXPECT_NEAR(s["verdict"]["max_hop_amplification"].get<double>(), 3, 0.15);
}

TEST_F(Propagation, RecordsExportAsOtlpThatARealParserTakesWithParentsFollowingTheCalls) {
  const std::string proto = std::string(FL_BINARY_DIR) + "/otlp-proto";
  const auto fetch = run_cmd("bash " + std::string(FL_SOURCE_DIR) + "/tests/otlp/fetch-proto.sh " + proto);
  if (fetch.status != 0) GTEST_SKIP() << "the OTLP .proto files could not be fetched from npm: " << fetch.out;
  if (run_cmd("/usr/bin/python3 -c 'import google.protobuf' && command -v protoc").status != 0)
    GTEST_SKIP() << "needs Debian's python3-protobuf and protobuf-compiler (scripts/install-deps.sh)";
  const json s = run(R"T(
[experiment]
name = "otlp"
seed = 2
duration = "8s"
warmup = "1s"
baseline = "3s"
metrics_port = )T" + std::to_string(test_port(51)) + R"T(

[[node]]
name = "client"
load = { target = "api:8080", rate = 50, timeout = "1s", retries = 1 }

[[node]]
name = "api"
  [[node.service]]
  port = 8080
  calls = [{ to = "db:80", timeout = "200ms", retries = 2, backoff = "1ms" }]

[[node]]
name = "db"
  [[node.service]]
  port = 80
  error_rate = "30%"

[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "db"]
)T");
  const auto t = run_cmd(cli("traces " + out().string()));
  ASSERT_EQ(t.status, 0) << t.out;
  const std::string validator = "/usr/bin/python3 " + std::string(FL_SOURCE_DIR) + "/tests/otlp/validate_otlp.py ";
  const auto v = run_cmd(validator + (out() / "traces.otlp.json").string() + " " + proto + " 2>&1");
  ASSERT_EQ(v.status, 0) << v.out;
  const json g = json::parse(v.out);
  EXPECT_EQ(g["resources"], json({"api", "db", "load:client"}));
  EXPECT_GT(g["spans"].get<int>(), 300 * 3);
  // The call graph, span by span: the client's call and its attempts, the
  // api's request under an attempt, its call and attempts, db's requests.
  std::set<std::vector<std::string>> edges;
  for (const auto& e : g["edges"]) edges.insert(e.get<std::vector<std::string>>());
  const std::set<std::vector<std::string>> want = {{"load:client", "INTERNAL", "load:client", "CLIENT"},
                                                   {"load:client", "CLIENT", "api", "SERVER"},
                                                   {"api", "SERVER", "api", "INTERNAL"},
                                                   {"api", "INTERNAL", "api", "CLIENT"},
                                                   {"api", "CLIENT", "db", "SERVER"}};
  EXPECT_EQ(edges, want) << g["edges"].dump();
  // Every root is an organic request; the only spans without their parent
  // are those whose parent was still in flight when the run ended.
  EXPECT_GT(g["roots"].get<int>(), 300);
  const int64_t end_ns = s["phases"]["t0_unix_ns"].get<int64_t>() + static_cast<int64_t>(s["phases"]["end_s"].get<double>() * 1e9);
  for (const auto& o : g["orphans"]) EXPECT_GT(o[1].get<int64_t>(), end_ns - 3'000'000'000) << o.dump();
  // The parser is strict: a wrong type or a short span id is refused.
  std::string bad = slurp(out() / "traces.otlp.json");
  bad.replace(bad.find("\"kind\":"), 8, "\"kind\":\"SERVERX\"");  // no such SpanKind
  std::ofstream(dir_ / "bad.json") << bad;
  EXPECT_NE(run_cmd(validator + (dir_ / "bad.json").string() + " " + proto + " 2>&1").status, 0);
}
