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
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
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
