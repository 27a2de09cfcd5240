// SPDX-License-Identifier: Apache-2.0
// `faultline explore` end to end on the HotOS'25 example (Bronson et al.'s
// metastable queue): one worker, 5 ms per request, a client that waits 250 ms
// and retries 5 times at once, a 3x load spike. A queue of more than
// 250 ms / 5 ms = 50 requests holds work whose callers have given up; their
// retries keep it full after the spike (metastable). Time-scaled: 1 s warm-up,
// 3 s baseline, a 2 s spike, 5 s to recover, ticks of 250 ms (each run takes
// about 12 s); the 5 ms are a
// wall-clock wait rather than CPU work, so that the parallel builds on the
// host do not move the boundary. Also: a killed explore resumes, a re-run
// with other arguments is refused, and --junit is read by junitparser.
//
// Two keys: the load's rate along each of two retry counts. Once the spike
// has filled the 150-slot queue with work whose callers gave up, it drains
// only while the attempts each request brings (1 + retries) times the rate
// stay under the 200 req/s one worker serves: the lint's "vulnerable above"
// 200 / (1 + retries), 100 req/s with 1 retry, 33.3 with 5. More retries
// move the boundary down, and each line's lies within a factor of two of its lint
// figure (the lint bounds the worst case; a run is judged within its horizon).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/cli_run_test.hpp"
#include "tests/support/python.hpp"
#include "tests/support/run_results.hpp"

using namespace faultline;
using namespace faultline::testing;
using nlohmann::json;

namespace {

// The shipped example (topologies/metastable-queue.toml), its metrics port
// this test's own.
std::string hotos_set(uint16_t metrics_port) {
  return " --set experiment.metrics_port=" + std::to_string(metrics_port);
}
const std::string kHotos = std::string(FL_SOURCE_DIR) + "/topologies/metastable-queue.toml";

constexpr const char* kQueue = "node.svc.service.8080.queue";

class Explore : public CliRunTest {
 protected:
  std::filesystem::path out() const { return dir_ / "explore"; }
  std::string args(uint16_t port, int budget, int repeat) const {
    return "explore " + kHotos + hotos_set(port) + " --vary " + kQueue + "=35..150 --budget " + std::to_string(budget) + " --repeat " +
           std::to_string(repeat) + " --out " + out().string() + " -q";
  }
  static size_t journal_runs(const std::filesystem::path& p) {
    std::ifstream f(p);
    size_t n = 0;
    for (std::string l; std::getline(f, l);) n += !l.empty() && l.back() == '}' ? 1 : 0;
    return n > 0 ? n - 1 : 0;  // the header
  }
};

}  // namespace

TEST_F(Explore, HotOS25QueueBoundIsFoundBetweenRecoveringAndMetastable) {
  const uint16_t port = test_port(21);
  const auto junit = dir_ / "junit.xml";
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_cmd(cli(args(port, 6, 1) + " --junit " + junit.string()));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.status, 0) << r.out;
  const json doc = json::parse(slurp(out() / "explore.json"));
  ASSERT_EQ(doc["runs"].size(), 6u) << doc.dump(2);
  const auto& line = doc["lines"][0];
  std::printf("explore over %s (6 runs, %.0f s): %s\n", kQueue, wall, doc["verdict"].get<std::string>().c_str());
  for (const auto& run : doc["runs"])
    std::printf("  queue %3.0f: %-16s %s\n", run["x"].get<double>(), run["good"] ? "recovers" : "does not recover",
                run["headline"].get<std::string>().c_str());

  // The ends: 35 recovers, 150 does not (metastable: the spike is over and
  // the queue still serves only abandoned requests).
  const auto& first = doc["runs"][0];
  const auto& second = doc["runs"][1];
  EXPECT_EQ(first["x"], 35);
  EXPECT_TRUE(first["good"]) << first.dump();
  EXPECT_EQ(second["x"], 150);
  EXPECT_FALSE(second["good"]) << second.dump();
  EXPECT_TRUE(second["metastable"]) << second.dump();
  ASSERT_EQ(line["kind"], "found") << line.dump();
  EXPECT_TRUE(line["good_below"]);
  const double est = line["estimate"].get<double>();
  EXPECT_GE(line["last_good"].get<double>(), 35);
  EXPECT_LE(line["first_bad"].get<double>(), 150);
  EXPECT_LE(line["ci95_lo"].get<double>(), est);
  EXPECT_GE(line["ci95_hi"].get<double>(), est);
  // Near the lint's 50 (250 ms x 1 worker / 5 ms): within the bisection's
  // last step of 150 - 35 over 2^4, plus the spike's finite length (a queue
  // must fill past 50 within the 2 s, and Poisson arrivals let a queue just
  // above 50 drain now and then).
  ASSERT_TRUE(doc["predicted"].is_object()) << doc.dump(2);
  EXPECT_EQ(doc["predicted"]["value"], 50);
  EXPECT_GE(est, 35);
  EXPECT_LE(est, 90) << "far above the predicted 50";
  EXPECT_NE(r.out.find("recovers from this trigger up to "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the lint predicts safe up to a queue of 50"), std::string::npos) << r.out;

  // The files: a row per run, the page with a point per run linking to its report.
  const std::string csv = slurp(out() / "explore.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 7) << csv;
  const std::string html = slurp(out() / "explore.html");
  EXPECT_NE(html.find("runs/005/report.html"), std::string::npos);
  EXPECT_NE(html.find("root.flExplore = lib"), std::string::npos) << "the page's script is inlined";
  for (const auto& run : doc["runs"]) {
    EXPECT_TRUE(std::filesystem::exists(out() / run["report"].get<std::string>())) << run.dump();
    (void)read_summary(out() / run["dir"].get<std::string>() / "summary.json");
  }

  // --junit as junitparser reads it: a suite per run named by its point, the
  // runs that did not recover with the failed expectation and its numbers.
  const auto j = run_python("read_junit.py", {junit.string()});
  ASSERT_EQ(j.status, 0) << j.output;
  const json x = json::parse(j.output);
  ASSERT_EQ(x["suites"].size(), 6u) << x.dump(2);
  EXPECT_EQ(x["suites"][0]["name"], "explore/queue=35/0");
  EXPECT_EQ(x["suites"][1]["name"], "explore/queue=150/0");
  size_t bad = 0;
  for (const auto& run : doc["runs"]) bad += run["good"] ? 0 : 1;
  EXPECT_EQ(x["failures"], bad);
  const auto& c = x["suites"][1]["cases"][0];
  EXPECT_EQ(c["result"], "failure") << x.dump(2);
  EXPECT_NE(c["message"].get<std::string>().find("expected <= 5"), std::string::npos) << c["message"];
}

TEST_F(Explore, AKilledExploreResumesAndOtherArgumentsAreRefused) {
  const uint16_t port = test_port(22);
  const auto journal = out() / "explore.journal.jsonl";
  {
    // Ctrl-C in the middle of the first run: the run takes itself down,
    // explore exits 4 (docs/validating.md), the journal holds no run.
    const auto other = dir_ / "interrupted";
    std::string a = args(port, 3, 1);
    a.replace(a.find(" --out " + out().string()), 7 + out().string().size(), " --out " + other.string());
    const pid_t pid = spawn_cli(a);
    ASSERT_GT(pid, 0);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists(other / "runs/000") && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::seconds(3));
    ASSERT_EQ(::kill(pid, SIGINT), 0);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal rather than exiting";
    EXPECT_EQ(WEXITSTATUS(status), 4);
    EXPECT_EQ(journal_runs(other / "explore.journal.jsonl"), 0u);
    EXPECT_TRUE(std::filesystem::exists(other / "explore.json"));
  }
  const pid_t pid = spawn_cli(args(port, 3, 1));
  ASSERT_GT(pid, 0);
  // Wait for the first run to finish and the second to be under way.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (journal_runs(journal) < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(journal_runs(journal), 1u) << "the first run did not finish in time";
  std::this_thread::sleep_for(std::chrono::seconds(4));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(journal_runs(journal), 1u) << "killed during the second run";
  EXPECT_TRUE(std::filesystem::exists(out() / "runs/001")) << "the second run had started";
  const auto first_summary = std::filesystem::last_write_time(out() / "runs/000/summary.json");

  // What the kill left in the kernel goes with cleanup; the re-run resumes.
  const auto c = run_cmd(cli("cleanup"));
  EXPECT_EQ(c.status, 0) << c.out;
  const auto r = run_cmd(cli(args(port, 3, 1)));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("resuming " + out().string() + ": 1 run already done"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("explore run 1/3"), std::string::npos) << "the finished run was run again:\n" << r.out;
  EXPECT_NE(r.out.find("explore run 2/3"), std::string::npos) << r.out;
  EXPECT_EQ(journal_runs(journal), 3u);
  EXPECT_EQ(std::filesystem::last_write_time(out() / "runs/000/summary.json"), first_summary);
  const json doc = json::parse(slurp(out() / "explore.json"));
  ASSERT_EQ(doc["runs"].size(), 3u);
  EXPECT_EQ(doc["runs"][1]["x"], 150);
  std::printf("resumed: %s\n", doc["verdict"].get<std::string>().c_str());

  // The same folder with other arguments: refused, naming what differs, nothing run.
  const auto other = run_cmd(cli(args(port, 3, 2)));
  EXPECT_EQ(other.status, 2) << other.out;
  EXPECT_NE(other.out.find("holds an explore with other arguments (repeat: was 1, now 2)"), std::string::npos)
      << other.out;
  EXPECT_EQ(journal_runs(journal), 3u);
  // A larger budget continues the same search.
  const auto more = run_cmd(cli(args(port, 4, 1)));
  ASSERT_EQ(more.status, 0) << more.out;
  EXPECT_EQ(journal_runs(journal), 4u);
}

TEST_F(Explore, TwoKeysMoreRetriesMoveTheLoadBoundaryDownAsTheLintPredicts) {
  const uint16_t port = test_port(23);
  const auto junit = dir_ / "junit.xml";
  constexpr const char* kRate = "node.client.load.rate";
  constexpr const char* kRetries = "node.client.load.retries";
  // 2 lines (retries 1 and 5) of 5 runs: the ends, then bisection to a
  // bracket of 40 req/s. About 12 s a run.
  const std::string a = "explore " + kHotos + hotos_set(port) + " --vary " + kRate + "=20..180 --vary " + kRetries +
                        "=1..5 --lines 2 --repeat 1 --budget 10 --out " + out().string() + " -q --junit " + junit.string();
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_cmd(cli(a));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.status, 0) << "exit 0 whatever the runs' verdicts:\n" << r.out;
  const json doc = json::parse(slurp(out() / "explore.json"));
  std::printf("2-D explore (%zu runs, %.0f s):\n%s\n", doc["runs"].size(), wall, doc["verdict"].get<std::string>().c_str());
  for (const auto& run : doc["runs"])
    std::printf("  rate %3.0f retries %.0f: %-16s %s\n", run["x"].get<double>(), run["y"].get<double>(),
                run["good"] ? "recovers" : "does not recover", run["headline"].get<std::string>().c_str());
  ASSERT_EQ(doc["runs"].size(), 10u) << doc.dump(2);
  EXPECT_EQ(doc["y"]["key"], kRetries);

  // Every run's results folder and report; a CSV row per run.
  for (const auto& run : doc["runs"]) {
    EXPECT_TRUE(std::filesystem::exists(out() / run["report"].get<std::string>())) << run.dump();
    (void)read_summary(out() / run["dir"].get<std::string>() / "summary.json");
  }
  const std::string csv = slurp(out() / "explore.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 11) << csv;
  EXPECT_EQ(csv.rfind(std::string("index,") + kRate + "," + kRetries + ",repeat,", 0), 0u) << csv;

  // A boundary on each line, and the lint's figure of each line: what
  // `faultline lint --json` gives for the file at that retry count.
  const auto& lines = doc["lines"];
  ASSERT_EQ(lines.size(), 2u) << doc.dump(2);
  EXPECT_TRUE(doc["predicted"].is_null()) << "the retries move the lint's figure";
  double lint_rps[2] = {0, 0};
  for (size_t i = 0; i < 2; ++i) {
    const int retries = i == 0 ? 1 : 5;
    const auto& l = lines[i];
    EXPECT_EQ(l["y"], retries);
    ASSERT_EQ(l["kind"], "found") << l.dump();
    EXPECT_TRUE(l["good_below"]) << l.dump();
    const auto lr = run_cmd("{ " + cli("lint --json " + kHotos + " --set " + kRetries + "=" + std::to_string(retries)) +
                            " 2>/dev/null; }");
    ASSERT_EQ(lr.status, 0) << lr.out;
    lint_rps[i] = json::parse(lr.out)["predictions"]["loads"]["client"]["vulnerable_above_rps"].get<double>();
    ASSERT_TRUE(l["predicted"].is_object()) << l.dump();
    // lint --json rounds its figures to 1e-6.
    EXPECT_NEAR(l["predicted"]["value"].get<double>(), lint_rps[i], 1e-6);
    EXPECT_EQ(l["predicted"]["what"], "vulnerable above");
    // The printed line carries the same figure, with its unit.
    std::smatch m;
    const std::regex printed("at " + std::string(kRetries) + "=" + std::to_string(retries) +
                             R"(: recovers from this trigger up to [0-9.]+ req/s \([0-9.]+-[0-9.]+, 95%\) of )" + kRate +
                             R"(; last recovered at [0-9.]+, first did not at [0-9.]+; the lint predicts vulnerable above ([0-9.]+) req/s)");
    ASSERT_TRUE(std::regex_search(r.out, m, printed)) << r.out;
    EXPECT_NEAR(std::stod(m[1]), lint_rps[i], 0.005 * lint_rps[i]) << m[0];
    // The lint's figure is the rate above which the worst case (every
    // attempt failing) outruns the service; whether a run comes back within
    // its horizon is measured, and lies near it on either side (a run at 40
    // req/s with 5 retries came back in one CI run, above 33.3; one at 80
    // with 1 retry did not, below 100). They agree within a factor of two.
    EXPECT_GT(l["estimate"].get<double>(), lint_rps[i] / 2) << l.dump();
    EXPECT_LT(l["estimate"].get<double>(), lint_rps[i] * 2) << l.dump();
  }
  EXPECT_NEAR(lint_rps[0], 100, 1) << "200 req/s over 2 attempts";
  EXPECT_NEAR(lint_rps[1], 200.0 / 6, 0.5) << "over 6 attempts";
  // More retries: the boundary moves down, as the lint's figure does.
  EXPECT_GT(lines[0]["estimate"].get<double>(), lines[1]["estimate"].get<double>()) << doc["verdict"];

  // --junit: a suite per run named by both keys.
  const auto j = run_python("read_junit.py", {junit.string()});
  ASSERT_EQ(j.status, 0) << j.output;
  const json x = json::parse(j.output);
  ASSERT_EQ(x["suites"].size(), 10u) << x.dump(2);
  EXPECT_EQ(doc["runs"][0]["x"], 20) << "the first line's low end first";
  EXPECT_EQ(doc["runs"][0]["y"], 1);
  EXPECT_EQ(x["suites"][0]["name"], "explore/rate=20,retries=1/0");
}
