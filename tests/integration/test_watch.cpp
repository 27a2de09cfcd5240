// SPDX-License-Identifier: Apache-2.0
// The live view of a run, as a teacher and a class use it: `faultline up` of
// a client -> api -> db chain, then a fault typed with `faultline fault`
// (the db paused). `faultline watch --once` (a pipe: plain text) and
// `faultline watch` in a real terminal (tmux) must show the fault in force
// and the db going bad, where before the fault they showed no fault and a
// healthy db; the live page in headless Chromium must turn the db from
// healthy to degraded or failed. Also `faultline new` (a file that
// validates, never overwritten) and the experiment sections of `faultline
// plan`. The terminal tests skip without tmux, the page's without chromium.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/chain_topology.hpp"
#include "tests/support/chromium.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/cli_run_test.hpp"
#include "tests/support/run_results.hpp"

using namespace faultline;
using namespace faultline::testing;
namespace fs = std::filesystem;

namespace {

std::string chain(uint16_t port, const std::string& api_db_link = "") {
  return R"TOML(
[experiment]
name = "watch"
warmup = "1s"
baseline = "3s"
tick = "1s"
metrics_port = )TOML" + std::to_string(port) + R"TOML(

[[node]]
name = "client"
load = { target = "api:8080", rate = 40, timeout = "1s" }

[[node]]
name = "api"
  [[node.service]]
  port = 8080
  work = "exp(200us)"
  calls = [{ to = "db:5432", timeout = "300ms" }]

[[node]]
name = "db"
  [[node.service]]
  port = 5432
  work = "exp(300us)"

[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "db"]
)TOML" + api_db_link + "\n";
}

class Watch : public CliRunTest {
 protected:
  // The db's row of a watch block: "db   db   healthy ...".
  static std::string db_row(const std::string& block) {
    std::smatch m;
    static const std::regex re(R"((^|\n)(db +db +[^\n]*))");
    return std::regex_search(block, m, re) ? m[2].str() : "";
  }
  static std::string faults_section(const std::string& block) {
    const auto at = block.find("FAULTS IN FORCE");
    return at == std::string::npos ? "" : block.substr(at);
  }
  // `watch --once` until `pred` holds of its output (or timeout_s): the
  // owner publishes once a tick.
  template <class Pred>
  std::string once_until(Pred pred, int timeout_s) {
    std::string out;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    do {
      const auto r = run_cmd(cli("watch --once " + run_));
      out = r.out;
      if (r.status == 0 && pred(out)) return out;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    } while (std::chrono::steady_clock::now() < end);
    return out;
  }
  void bring_up(int port_k, const std::string& api_db_link = "") {
    const auto out = up(chain(test_port(port_k), api_db_link));
    ASSERT_NE(out.find("faultline watch " + run_), std::string::npos) << out;
    // Past the baseline (1 s warm-up, 3 s baseline), db answering well.
    const auto healthy = once_until([](const std::string& o) { return db_row(o).find("healthy") != std::string::npos; }, 20);
    ASSERT_NE(db_row(healthy).find("healthy"), std::string::npos) << healthy;
    ASSERT_NE(faults_section(healthy).find("none"), std::string::npos) << healthy;
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const auto still = run_cmd(cli("watch --once " + run_)).out;
    ASSERT_EQ(db_row(still).find("degraded"), std::string::npos) << still;
    ASSERT_EQ(db_row(still).find("failed"), std::string::npos) << still;
  }
  void pause_db() {
    const auto r = run_cmd(cli("fault " + run_ + " node:db pause"));
    ASSERT_EQ(r.status, 0) << r.out;
  }
};

bool db_bad(const std::string& row) {
  return row.find("failed") != std::string::npos || row.find("degraded") != std::string::npos;
}

}  // namespace

TEST_F(Watch, OnceShowsTheFaultInForceAndTheDegradedService) {
  bring_up(0);
  pause_db();
  const auto out = once_until(
      [](const std::string& o) { return db_bad(db_row(o)) && faults_section(o).find("node:db") != std::string::npos; }, 15);
  EXPECT_TRUE(db_bad(db_row(out))) << out;
  const auto faults = faults_section(out);
  EXPECT_NE(faults.find("node:db"), std::string::npos) << out;
  EXPECT_NE(faults.find("pause"), std::string::npos) << out;
  EXPECT_NE(faults.find("until cleared"), std::string::npos) << out;
  // The verdict line names the db among what went bad.
  const auto bad_now = out.find("bad now: ");
  ASSERT_NE(bad_now, std::string::npos) << out;
  EXPECT_NE(out.substr(bad_now, out.find('\n', bad_now) - bad_now).find("db"), std::string::npos) << out;
  // Not a terminal: no escape sequences at all.
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  // Cleared, the fault leaves the list.
  ASSERT_EQ(run_cmd(cli("fault " + run_ + " --clear node:db")).status, 0);
  const auto after = once_until([](const std::string& o) { return faults_section(o).find("node:db") == std::string::npos; }, 10);
  EXPECT_EQ(faults_section(after).find("node:db"), std::string::npos) << after;
}

// A link's fault is one record whichever order the user names the link in:
// impaired as db->api, cleared as api-db, it leaves the list.
TEST_F(Watch, AClearInEitherOrderEndsALinksFault) {
  bring_up(4, "delay = \"1ms\"");
  if (HasFatalFailure()) return;
  auto r = run_cmd(cli("fault " + run_ + " 'link:db->api' delay=30ms"));
  ASSERT_EQ(r.status, 0) << r.out;
  const auto on = once_until([](const std::string& o) { return faults_section(o).find("link:api-db") != std::string::npos; }, 10);
  ASSERT_NE(faults_section(on).find("link:api-db"), std::string::npos) << "shown under the plan's name:\n" << on;
  r = run_cmd(cli("fault " + run_ + " --clear link:api-db"));
  ASSERT_EQ(r.status, 0) << r.out;
  const auto off = once_until([](const std::string& o) { return faults_section(o).find("link:") == std::string::npos; }, 10);
  EXPECT_EQ(faults_section(off).find("link:"), std::string::npos) << off;
}

// The flow view in the live view: loss typed on api-db shows as
// retransmissions on the wire between exactly api and db, and every node has
// its run-queue wait.
TEST_F(Watch, ShowsTheTroubleOnTheWireBetweenThePairTheLossHits) {
  bring_up(5, "delay = \"1ms\"");
  if (HasFatalFailure()) return;
  // Retransmissions per second of a pair in the "ON THE WIRE" section; -1
  // when the pair has no row.
  auto retrans = [](const std::string& block, const std::string& pair) -> double {
    const auto at = block.find("ON THE WIRE");
    if (at == std::string::npos) return -1;
    std::istringstream in(block.substr(at));
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string name, pps, re;
      if (f >> name >> pps >> re && name == pair) return re == "-" ? 0 : std::stod(re);
    }
    return -1;
  };
  const auto clean = once_until([&](const std::string& o) { return retrans(o, "client->api") >= 0; }, 10);
  ASSERT_GE(retrans(clean, "client->api"), 0) << "no flow of the load to api on the wire:\n" << clean;
  EXPECT_NE(clean.find("RUNQ WAIT"), std::string::npos) << clean;
  EXPECT_NE(clean.find(" s/s"), std::string::npos) << "no node's run-queue wait:\n" << clean;
  auto r = run_cmd(cli("fault " + run_ + " link:api-db loss=30%"));
  ASSERT_EQ(r.status, 0) << r.out;
  auto lossy = [&](const std::string& o) { return std::max(retrans(o, "api->db"), retrans(o, "db->api")); };
  const auto on = once_until([&](const std::string& o) { return lossy(o) > 0; }, 15);
  EXPECT_GT(lossy(on), 0) << "30% loss on api-db and no retransmission between them:\n" << on;
  // The load's own link is clean: far fewer there, if any.
  EXPECT_LE(retrans(on, "client->api") * 5, lossy(on)) << on;
}

// A user's own programs, no faultline workload at all: the live view still
// shows what the kernels saw between them and each node's CPU wait.
TEST_F(Watch, ShowsTheWireOfAUsersOwnProgramsWithoutAnyWorkload) {
  if (!fs::exists("/sys/kernel/btf/vmlinux")) GTEST_SKIP() << "no kernel BTF: no flow view";
  const auto out = up(R"TOML(
[experiment]
name = "watch-own"
tick = "1s"
metrics_port = )TOML" + std::to_string(test_port(6)) + "\n" + kOwnPrograms);
  ASSERT_NE(out.find("faultline watch " + run_), std::string::npos) << "no live view offered:\n" << out;
  // The row of a pair in the "ON THE WIRE" section, with packets sent.
  auto wire = [](const std::string& block, const std::string& pair) {
    const auto at = block.find("ON THE WIRE");
    if (at == std::string::npos) return std::string();
    std::istringstream in(block.substr(at));
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string name, pps;
      if (f >> name >> pps && name == pair && pps != "-" && pps != "0") return line;
    }
    return std::string();
  };
  const auto seen = once_until([&](const std::string& o) { return !wire(o, "api->db").empty() && !wire(o, "db->api").empty(); }, 20);
  EXPECT_NE(wire(seen, "api->db"), "") << "curl's requests to the server are not on the wire:\n" << seen;
  EXPECT_NE(wire(seen, "db->api"), "") << "the server's answers are not on the wire:\n" << seen;
  EXPECT_NE(seen.find("RUNQ WAIT"), std::string::npos) << seen;
  EXPECT_NE(seen.find("the nodes run their own programs"), std::string::npos) << "an empty service table unexplained:\n"
                                                                             << seen;
}

// A kill typed live takes db's unpulled records with it: the live summary
// says so (ended, not complete), as a run's summary does.
TEST_F(Watch, AKillTypedLiveMakesTheRecordsIncomplete) {
  bring_up(7);
  if (HasFatalFailure()) return;
  const std::string get = "python3 -c 'import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(\"http://127.0.0.1:" +
                          std::to_string(test_port(7)) + "/live.json\", timeout=5).read().decode())'";
  auto records = [&] {
    const auto r = run_cmd(get);
    const auto page = nlohmann::json::parse(r.out, nullptr, false);
    return page.is_discarded() || !page.contains("summary") ? nlohmann::json() : page["summary"]["records"];
  };
  const auto before = records();
  ASSERT_TRUE(before.is_object()) << "no live page";
  EXPECT_EQ(before.value("ended", -1), 0) << before.dump();
  ASSERT_EQ(run_cmd(cli("fault " + run_ + " node:db kill")).status, 0);
  nlohmann::json after;
  for (int i = 0; i < 20; ++i) {
    after = records();
    if (after.is_object() && after.value("ended", 0) > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_TRUE(after.is_object());
  EXPECT_GE(after["sources"]["db"].value("ended", 0), 1) << after.dump();
  EXPECT_EQ(after["sources"]["api"].value("ended", -1), 0) << after.dump();
  EXPECT_FALSE(after.value("complete", true)) << after.dump();
}

TEST_F(Watch, FollowsTheRunInATerminalAndEndsOnCtrlC) {
  if (::system("command -v tmux >/dev/null 2>&1") != 0) GTEST_SKIP() << "tmux is not installed (apt-get install tmux)";
  bring_up(1);
  // A tmux server of this test's own (its own socket): no other session is touched.
  const std::string tmux = "tmux -L fl-watch-" + std::to_string(::getpid()) + " ";
  const std::string session = "w";
  auto r = run_cmd(tmux + "new-session -d -s " + session + " -x 160 -y 60 " + "'" + cli("watch " + run_) + "'");
  ASSERT_EQ(r.status, 0) << r.out;
  auto screen = [&] { return run_cmd(tmux + "capture-pane -p -t " + session).out; };
  // The view redraws itself in place: the header is on the first line.
  std::string s;
  for (int i = 0; i < 20 && s.find("faultline watch: run " + run_) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    s = screen();
  }
  ASSERT_EQ(s.rfind("faultline watch: run " + run_, 0), 0u) << s;
  EXPECT_NE(db_row(s).find("healthy"), std::string::npos) << s;
  pause_db();
  for (int i = 0; i < 30 && !(db_bad(db_row(s)) && faults_section(s).find("node:db") != std::string::npos); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    s = screen();
  }
  EXPECT_TRUE(db_bad(db_row(s))) << s;
  EXPECT_NE(faults_section(s).find("node:db"), std::string::npos) << s;
  // One screen, redrawn: the header appears once, not once per refresh.
  EXPECT_EQ(s.find("faultline watch: run", 1), std::string::npos) << s;
  // Ctrl-C ends it, and with it the session.
  run_cmd(tmux + "send-keys -t " + session + " C-c");
  bool gone = false;
  for (int i = 0; i < 20 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    gone = run_cmd(tmux + "has-session -t " + session + " 2>/dev/null").status != 0;
  }
  EXPECT_TRUE(gone) << "watch did not end on Ctrl-C";
  run_cmd(tmux + "kill-server 2>/dev/null");
}

TEST_F(Watch, EndsWhenTheRunEnds) {
  bring_up(2);
  const pid_t pid = spawn_cli("watch " + run_);
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_EQ(run_cmd(cli("down " + run_)).status, 0);
  int st = -1;
  bool ended = false;
  for (int i = 0; i < 50 && !ended; ++i) {
    ended = ::waitpid(pid, &st, WNOHANG) == pid;
    if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!ended) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &st, 0);
  }
  EXPECT_TRUE(ended) << "watch still running 5 s after the run went down";
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST_F(Watch, TheLivePageTurnsTheDbDegradedAfterTheFault) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "Debian's chromium is not installed; the live page is not checked in a browser";
  bring_up(3);
  const std::string url = "http://127.0.0.1:" + std::to_string(test_port(3)) + "/";
  auto page = [&](const std::string& tag) {
    auto args = chromium_args(chromium, dir_ / ("profile-" + tag), 4000, "127.0.0.1");
    args.push_back("--dump-dom");
    args.push_back(url);
    const Ran r = faultline::testing::run(args, dir_ / (tag + ".html"), dir_ / (tag + ".err"), 30);
    EXPECT_FALSE(r.timed_out);
    return render_check(slurp(dir_ / (tag + ".html")));
  };
  auto db_state = [](const std::map<std::string, std::string>& rc) {
    std::smatch m;
    static const std::regex re(R"((^|;)db=([a-z]*))");
    const auto it = rc.find("data-health-now");
    if (it == rc.end()) return std::string("(no render check)");
    return std::regex_search(it->second, m, re) ? m[2].str() : std::string("(db not drawn)");
  };
  const auto before = page("before");
  EXPECT_EQ(before.count("data-live-draws"), 1u) << "the page never drew live data";
  EXPECT_EQ(db_state(before), "healthy");
  EXPECT_EQ(before.count("data-ok") ? before.at("data-ok") : "", "1")
      << (before.count("data-errors") ? before.at("data-errors") : "");
  pause_db();
  std::string state;
  for (int i = 0; i < 5 && state != "failed" && state != "degraded"; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    state = db_state(page("after" + std::to_string(i)));
  }
  EXPECT_TRUE(state == "failed" || state == "degraded") << state;
}

// An `up` session lets go of request records older than live_records (here
// 10 s) every tick, but keeps its baseline's, which every health verdict is
// judged against: memory and the live analysis stay bounded in a long
// session. Read from the live page's data (GET /live.json).
TEST_F(Watch, AnUpSessionLetsGoOfOldRecordsButKeepsItsBaseline) {
  std::string body = chain(test_port(5));
  const std::string tick = "tick = \"1s\"";
  body.replace(body.find(tick), tick.size(), tick + "\nlive_records = \"10s\"");
  up(body);
  const std::string get = "python3 -c 'import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(\"http://127.0.0.1:" +
                          std::to_string(test_port(5)) + "/live.json\", timeout=5).read().decode())'";
  auto page_at = [&](double t_s) {
    nlohmann::json page;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(static_cast<int>(t_s) + 30);
    while (std::chrono::steady_clock::now() < end) {
      const auto r = run_cmd(get);
      page = nlohmann::json::parse(r.out, nullptr, false);
      if (r.status == 0 && !page.is_discarded() && page.contains("now") && page["now"].value("t_s", 0.0) >= t_s)
        return page;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    ADD_FAILURE() << "the live page never reached t = " << t_s << " s: " << page.dump().substr(0, 400);
    return nlohmann::json::object();
  };
  // Past the baseline (1 s warm-up, 3 s baseline), nothing old enough yet.
  const auto early = page_at(6);
  ASSERT_TRUE(early.contains("summary"));
  const auto& rec0 = early["summary"]["records"];
  EXPECT_EQ(rec0["forgotten"], 0) << rec0.dump();
  const int base_tries = early["summary"]["baselines"]["db"]["tries"].get<int>();
  ASSERT_GT(base_tries, 60) << "40 requests/s for 3 s of baseline";
  // 20 s in: what ended before 10 s ago and did not start in the baseline is gone.
  const auto late = page_at(20);
  ASSERT_TRUE(late.contains("summary"));
  const auto& rec = late["summary"]["records"];
  const double t = late["now"]["t_s"].get<double>();
  const double held = rec["spans"].get<double>(), forgotten = rec["forgotten"].get<double>();
  EXPECT_GT(forgotten, 0) << rec.dump();
  EXPECT_FALSE(rec["complete"].get<bool>()) << rec.dump();
  // Held: the baseline's 3 s, the last 10 s and a tick or two in flight; of
  // 20 s recorded, at most 15 s worth at the session's own rate.
  const double per_s = (held + forgotten) / t;
  EXPECT_LT(held, per_s * 15) << rec.dump();
  EXPECT_GT(forgotten, per_s * 3) << "at least warm-up and 4-6 s gone: " << rec.dump();
  // The baseline is judged from the same tries as before.
  EXPECT_EQ(late["summary"]["baselines"]["db"]["tries"].get<int>(), base_tries);
  const auto once = run_cmd(cli("watch --once " + run_)).out;
  EXPECT_NE(db_row(once).find("healthy"), std::string::npos) << once;
}

TEST_F(Watch, FollowsAnExperimentRunWithItsTimeline) {
  // The same chain as an experiment: the db paused from 6 s for 5 s.
  const std::string topo = chain(test_port(0)) + R"(
[[fault]]
at = "6s"
for = "5s"
target = "node:db"
action = "pause"
)";
  std::string body = topo;
  const std::string tick = "tick = \"1s\"";
  body.replace(body.find(tick), tick.size(), tick + "\nduration = \"14s\"\nhorizon = \"3s\"");
  const pid_t pid = spawn_cli("run -q --name " + run_ + " --out " + (dir_ / "results").string() + " " + write_topology(body));
  ASSERT_GT(pid, 0);
  const auto out = once_until(
      [](const std::string& o) { return faults_section(o).find("node:db") != std::string::npos && db_bad(db_row(o)); }, 25);
  const auto faults = faults_section(out);
  EXPECT_NE(out.find("by run"), std::string::npos) << out;
  EXPECT_NE(faults.find("node:db"), std::string::npos) << out;
  // A timeline's fault has a planned end: the time left is shown.
  EXPECT_NE(faults.find(" s left"), std::string::npos) << out;
  EXPECT_TRUE(db_bad(db_row(out))) << out;
  int st = -1;
  ::waitpid(pid, &st, 0);
  // Over: the run's folder is gone, so is the run.
  const auto r = run_cmd(cli("watch --once " + run_));
  EXPECT_EQ(r.status, 2) << r.out;
}

// ------------------------------------------------------------ new and plan

class NewAndPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fl-new-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string cli(const std::string& args) const { return faultline_exe() + " " + args; }
  fs::path dir_;
};

TEST_F(NewAndPlan, NewWritesATopologyThatValidatesAndNeverOverwrites) {
  auto r = run_cmd(cli("new lesson1 --dir " + dir_.string()));
  ASSERT_EQ(r.status, 0) << r.out;
  const auto file = dir_ / "lesson1.toml";
  ASSERT_TRUE(fs::exists(file));
  r = run_cmd(cli("validate " + file.string()));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("ok"), std::string::npos) << r.out;
  // Its name is the experiment's.
  std::ifstream in(file);
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(body.find("name = \"lesson1\""), std::string::npos);
  // Again: refused, the file untouched.
  std::ofstream(file, std::ios::app) << "# mine\n";
  r = run_cmd(cli("new lesson1 --dir " + dir_.string()));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("exists"), std::string::npos) << r.out;
  std::ifstream again(file);
  const std::string kept((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, body + "# mine\n");
  // A name that cannot be a run's: refused, nothing written.
  r = run_cmd(cli("new Bad_Name --dir " + dir_.string()));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "Bad_Name.toml"));
}

TEST_F(NewAndPlan, PlanShowsPhasesFaultsCallsAndExpectations) {
  const auto file = dir_ / "p.toml";
  std::ofstream(file) << R"(
[experiment]
name = "p"
duration = "50s"
warmup = "2s"
baseline = "8s"
horizon = "12s"

[[node]]
name = "client"
load = { target = "api:8080", rate = 30, timeout = "800ms", retries = 2 }
[[node]]
name = "api"
service = [{ port = 8080, calls = [{ to = "db:5432", timeout = "150ms", retries = 3, budget = "20%", breaker = {} }] }]
[[node]]
name = "db"
service = [{ port = 5432 }]
[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "db"]

[[fault]]
at = "20s"
for = "25s"
target = "node:db"
cpu = 0.1

[[fault]]
at = "22s"
for = "3s"
target = "link:api-db"
delay = "40ms"

[expect]
collapse = false
recovers_within = "9s"
  [[expect.check]]
  name = "goodput holds"
  metric = "goodput"
  phase = "fault"
  op = ">="
  threshold = 20
)";
  const auto r = run_cmd(faultline_exe() + " plan " + file.string());
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string& o = r.out;
  // The kernel objects are still there, before the experiment.
  EXPECT_NE(o.find("namespace"), std::string::npos) << o;
  EXPECT_LT(o.find("namespace"), o.find("phase "));
  EXPECT_NE(o.find("phase      warmup    0s .. 2s"), std::string::npos) << o;
  EXPECT_NE(o.find("phase      baseline  2s .. 10s"), std::string::npos) << o;
  // The last fault ends at 45 s: the horizon (12 s) outlasts the duration (50 s).
  EXPECT_NE(o.find("phase      faults    20s .. 45s"), std::string::npos) << o;
  EXPECT_NE(o.find("phase      recovery  45s .. 57s"), std::string::npos) << o;
  EXPECT_NE(o.find("fault      #0  20s .. 45s  node:db"), std::string::npos) << o;
  EXPECT_NE(o.find("fault      #1  22s .. 25s  link:api-db"), std::string::npos) << o;
  EXPECT_NE(o.find("call       load:client -> api:8080  30/s poisson, timeout 800ms, 2 retries"), std::string::npos) << o;
  EXPECT_NE(o.find("call       api:8080 -> db:5432  timeout 150ms, 3 retries, budget 20%, breaker"), std::string::npos) << o;
  EXPECT_NE(o.find("expect     does not collapse"), std::string::npos) << o;
  EXPECT_NE(o.find("expect     recovers within 9s"), std::string::npos) << o;
  EXPECT_NE(o.find("expect     \"goodput holds\": mean goodput over phase fault >= 20"), std::string::npos) << o;
  // The same in plan --json, as numbers.
  const auto j = run_cmd(faultline_exe() + " plan --json " + file.string() + " 2>/dev/null");
  ASSERT_EQ(j.status, 0) << j.out;
  const auto doc = nlohmann::json::parse(j.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << j.out;
  const auto& ol = doc["outline"];
  ASSERT_EQ(ol["phases"].size(), 4u) << ol.dump();
  EXPECT_EQ(ol["phases"][3]["name"], "recovery");
  EXPECT_DOUBLE_EQ(ol["phases"][3]["to_s"].get<double>(), 57.0);
  ASSERT_EQ(ol["faults"].size(), 2u);
  EXPECT_DOUBLE_EQ(ol["faults"][1]["to_s"].get<double>(), 25.0);
  ASSERT_EQ(ol["calls"].size(), 2u);
  EXPECT_DOUBLE_EQ(ol["calls"][1]["budget"].get<double>(), 0.2);
  EXPECT_EQ(ol["calls"][1]["breaker"], true);
  EXPECT_EQ(ol["expect"].size(), 3u);
}
