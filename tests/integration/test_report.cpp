// report.html in a real browser: a synthetic but realistic results folder
// (a load generator calling api calling db, a CPU cut on db from 20 s to 35 s,
// the tiers degrading one after the other, one expectation failing) is turned
// into a report, which headless Chromium opens from file:// only. The page's
// own render check (written into the DOM after drawing) must report the
// graph's nodes, a drawn line in every plot and no error; a screenshot is
// saved. Skips when Debian's chromium is not installed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/report/report.hpp"
#include "tests/support/summary_schema.hpp"

namespace faultline::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ------------------------------------------------------------ the run's data

constexpr int kTicks = 60;

// The value of a series at tick t: `base` with a small deterministic wiggle,
// `fault` from `from` (inclusive) until `to` (exclusive).
double shape(int t, double base, double fault, int from, int to, double wiggle = 0.02) {
  const double v = (t >= from && t < to) ? fault : base;
  return v * (1 + wiggle * std::sin(t * 1.7));
}

struct Folder {
  json summary;
  std::string csv;
  std::vector<json> events;
};

// client (load) -> api -> db. db degrades at 21 s (1 s after the fault),
// api at 24 s, the client at 27 s; recovery from 38 to 42 s. Its summary is
// one make_summary could write (docs/summary.schema.json; checked below),
// without the analysis' health verdicts, so that the page's own rule shows.
Folder realistic_run() {
  Folder f;
  std::ostringstream csv;
  csv << "t,node,service,metric,value\n";
  auto row = [&](int t, const std::string& node, const std::string& svc, const std::string& m, double v) {
    csv << t << ',' << node << ',' << svc << ',' << m << ',';
    if (std::isnan(v))
      csv << "nan";
    else
      csv << v;
    csv << '\n';
  };
  for (int t = 1; t <= kTicks; ++t) {
    row(t, "client", "", "offered_rps", shape(t, 400, 400, 0, 0));
    row(t, "client", "load:client->api", "attempts_rps", shape(t, 400, 980, 27, 42));
    row(t, "client", "", "goodput_rps", shape(t, 398, 95, 27, 42));
    row(t, "client", "", "p99_s", shape(t, 0.03, 1.6, 27, 42));
    row(t, "client", "", "errors_rps", shape(t, 0.5, 300, 27, 42, 0.1));
    row(t, "system", "system", "offered_rps", shape(t, 400, 400, 0, 0));
    row(t, "system", "system", "goodput_rps", shape(t, 398, 95, 27, 42));
    row(t, "api", "api", "goodput_rps", shape(t, 400, 150, 24, 40));
    row(t, "api", "api", "p99_s", shape(t, 0.02, 1.2, 24, 40));
    row(t, "api", "api", "errors_rps", shape(t, 0.2, 240, 24, 40, 0.1));
    row(t, "api", "api", "queue_depth", shape(t, 2, 140, 24, 40, 0.1));
    row(t, "api", "api", "breaker_open", (t >= 29 && t < 39) ? 1 : 0);
    row(t, "api", "api->db", "attempts_rps", shape(t, 400, 1560, 21, 38));
    row(t, "db", "db", "goodput_rps", shape(t, 400, 30, 21, 38));
    row(t, "db", "db", "p99_s", shape(t, 0.004, 0.8, 21, 38));
    row(t, "db", "db", "errors_rps", shape(t, 0.1, 400, 21, 38, 0.1));
    row(t, "db", "db", "shed_rps", shape(t, 0, 520, 22, 36));
    row(t, "db", "", "cpu_cores", shape(t, 0.35, 0.2, 20, 35));
    row(t, "api", "", "cpu_cores", shape(t, 0.25, 0.6, 24, 40));
    row(t, "host", "", "host_cpu_cores", shape(t, 0.9, 1.3, 20, 40));
    // Figures the collector derives for checks, which the plots must not
    // draw beside their parts: a service's attempts (its edges summed), the
    // system's sums of service and node figures.
    row(t, "api", "api", "attempts_rps", shape(t, 400, 1560, 21, 38));
    row(t, "", "system", "shed_rps", shape(t, 0, 520, 22, 36));
    row(t, "", "system", "queue_depth", shape(t, 2, 140, 24, 40, 0.1));
    row(t, "", "system", "cpu_cores", shape(t, 0.6, 0.8, 20, 35));
    row(t, "", "system", "memory_bytes", 5e7);
    // The network: both directions of a link, a partition's drops.
    row(t, "link:api-db", "api->db", "received_pps", shape(t, 800, 2400, 21, 38));
    row(t, "link:api-db", "db->api", "received_pps", shape(t, 800, 1800, 21, 38));
    row(t, "link:api-db", "api->db", "engine_dropped_pps", shape(t, 0, 40, 21, 38));
    if (t >= 30 && t < 34) row(t, "partition", "1: api to db", "dropped_pps", 120);
  }
  f.csv = csv.str();

  f.summary = json::parse(R"({
    "faultline": {"version": "0.1.0", "compiler": "12.2.0",
                  "libraries": {"boost": "1_81", "libbpf": "v1.1", "libnl": "3.7.0", "tomlplusplus": "3.3.0",
                                "nlohmann_json": "3.11.2"}},
    "experiment": {"name": "retry-storm <b>&</b>", "file": "topologies/retry-storm.toml", "seed": 7,
                   "variant": "baseline", "repeat": 0, "overrides": ["node.api.service.8080.calls.db:5432.retries=3"],
                   "run": "retry-storm", "interrupted": false},
    "host": {"kernel": "6.1.0-test", "cpus": 2, "cgroup_layout": "v1 cpu,memory + v2",
             "features": {"sch_netem": false, "tbf": true, "clsact": true},
             "backends": {"link": "userspace", "partition": "ebpf", "cgroup": "v1+v2"},
             "cpu_estimate_cores": 1.4, "cpu_used_mean_cores": 1.0, "cpu_used_max_cores": 1.3,
             "cpu_saturated_ticks": 0},
    "phases": {"tick_s": 1, "warmup_end_s": 5, "baseline": [5, 15], "first_fault_s": 20,
               "last_fault_end_s": 35, "end_s": 60},
    "figures": {"goodput_baseline_rps": 398, "goodput_during_fault_rps": 180, "offered_during_fault_rps": 400,
                "goodput_during_fault_ratio": 0.45},
    "thresholds": {"degraded_goodput": 0.9, "failed_goodput": 0.1, "slo_factor": 2, "collapse_goodput": 0.1,
                   "recovered_goodput": 0.95, "recovered_p99": 1.1, "recovery_window_ticks": 5,
                   "load_back_within": 0.1},
    "topology": {
      "nodes": [{"name": "client", "services": [], "load": true},
                {"name": "api", "services": ["api"], "load": false},
                {"name": "db", "services": ["db"], "load": false}],
      "services": [{"name": "api", "node": "api", "port": 8080}, {"name": "db", "node": "db", "port": 5432}],
      "edges": [{"caller": "load:client", "callee": "api"}, {"caller": "api", "callee": "db"}],
      "links": [{"a": "client", "b": "api"}, {"a": "api", "b": "db"}],
      "segments": []
    },
    "faults": [{"index": 0, "target": "node:db", "what": "cpu 0.2 </script><script>alert(1)</script>",
                "at_s": 20, "for_s": 15, "applied_s": 20.0, "reverted_s": 35.0}],
    "verdict": {"collapsed": true, "time_to_collapse_s": 7, "recovered": true, "recovery_s": 7,
                "metastable": false, "blast_radius": 1.0, "hops_per_s": 0.33, "max_amplification": 3.9,
                "headline": "collapsed 7 s after the first fault; recovered 7 s after it ended"},
    "baselines": {"api": {"goodput_rps": 400, "p99_s": 0.02, "slo_p99_s": 0.04, "valid": true},
                  "db": {"goodput_rps": 400, "p99_s": 0.004, "slo_p99_s": 0.008, "valid": true},
                  "system": {"goodput_rps": 398, "p99_s": 0.03, "valid": true}},
    "health": {"tick_s": 1, "services": {}},
    "propagation": [{"service": "db", "after_fault_s": 1, "via": "", "hops": 0, "same_tick": false},
                    {"service": "api", "after_fault_s": 4, "via": "db", "hops": 1, "same_tick": false}],
    "amplification": [{"caller": "load:client", "callee": "api", "tier": 1, "during_fault": 2.4, "peak": 2.5},
                      {"caller": "api", "callee": "db", "tier": 2, "during_fault": 3.9, "peak": 4.0}],
    "tier_amplification": {"1": 2.4, "2": 3.9},
    "controls": [{"service": "api", "control": "breaker", "engaged_s": 9, "degraded_s": 4, "outpaced": true}],
    "expectations": [{"name": "recovers_within", "metric": "recovery_time", "measured": 7, "op": "<=", "threshold": 5,
                      "passed": false, "detail": "recovered 7 s after the last fault"},
                     {"name": "max_amplification", "metric": "amplification", "measured": 3.9, "op": "<=",
                      "threshold": 10, "passed": true, "detail": ""}],
    "passed": false
  })");

  auto ev = [&](json j) { f.events.push_back(std::move(j)); };
  ev({{"t", 0.0}, {"kind", "phase"}, {"phase", "warmup"}});
  ev({{"t", 5.0}, {"kind", "phase"}, {"phase", "baseline"}});
  ev({{"t", 20.0}, {"kind", "phase"}, {"phase", "faults"}});
  ev({{"t", 20.0}, {"kind", "fault"}, {"state", "applied"}, {"fault", 0}, {"target", "node:db"}, {"what", "cpu 0.2"}});
  ev({{"t", 29.0}, {"kind", "breaker"}, {"service", "api"}, {"downstream", "db:5432"}, {"to", "open"}});
  ev({{"t", 35.0}, {"kind", "fault"}, {"state", "reverted"}, {"fault", 0}, {"target", "node:db"}, {"what", "cpu 0.2"}});
  ev({{"t", 35.0}, {"kind", "phase"}, {"phase", "recovery"}});
  ev({{"t", 39.0}, {"kind", "breaker"}, {"service", "api"}, {"downstream", "db:5432"}, {"to", "half_open"}});
  ev({{"t", 41.0}, {"kind", "breaker"}, {"service", "api"}, {"downstream", "db:5432"}, {"to", "closed"}});
  ev({{"t", 45.0}, {"kind", "warning"}, {"what", "host CPU at 65% </script><script>alert(1)</script>"}});
  ev({{"t", 60.0}, {"kind", "phase"}, {"phase", "done"}});
  return f;
}

// The odd run: no fault at all, a service (cache) that never degraded and has
// no samples, null verdict fields, no expectations, no propagation, a series
// with holes, and an edge whose caller is named without its "load:" prefix.
// Its summary is outside the schema on purpose (an older or hand-made one):
// the page draws what it can.
Folder odd_run() {
  Folder f;
  std::ostringstream csv;
  csv << "t,node,service,metric,value\n";
  for (int t = 1; t <= 20; ++t) {
    csv << t << ",client,,offered_rps,100\n";
    csv << t << ",client,,goodput_rps," << (t % 7 == 0 ? std::string("nan") : std::to_string(99)) << "\n";
    if (t % 5 != 0) csv << t << ",web,web,p99_s,0.01\n";
  }
  csv << "not a row\n";
  f.csv = csv.str();
  f.summary = json::parse(R"({
    "experiment": {"name": "quiet"},
    "phases": {"tick_s": 1, "warmup_end_s": null, "baseline": null, "first_fault_s": null,
               "last_fault_end_s": null, "end_s": 20},
    "topology": {"nodes": [{"name": "client", "load": true}],
                 "services": [{"name": "web", "node": "web", "port": 80}, {"name": "cache", "node": "cache"}],
                 "edges": [{"caller": "client", "callee": "web"}, {"caller": "web", "callee": "cache"}]},
    "faults": [],
    "verdict": {"collapsed": null, "time_to_collapse_s": null, "recovered": null, "recovery_s": null,
                "metastable": null, "blast_radius": null, "hops_per_s": null, "max_amplification": null,
                "headline": null},
    "baselines": {"web": {"goodput_rps": null, "p99_s": null, "slo_p99_s": null}},
    "propagation": [],
    "amplification": [{"caller": "client", "callee": "web", "tier": 1, "during_fault": null, "peak": null}],
    "tier_amplification": {},
    "controls": [],
    "expectations": [{"name": "never_collapses", "measured": null, "op": "==", "threshold": null,
                      "passed": null, "detail": null}],
    "passed": false
  })");
  f.events.push_back({{"t", 3.0}, {"kind", "exit"}, {"node", "web"}, {"process", "faultline-service"}, {"status", 0}});
  return f;
}

void write_folder(const fs::path& dir, const Folder& f) {
  fs::create_directories(dir);
  std::ofstream(dir / "summary.json") << f.summary.dump(2);
  std::ofstream(dir / "timeseries.csv") << f.csv;
  std::ofstream ev(dir / "events.jsonl");
  for (const auto& e : f.events) ev << e.dump() << '\n';
}

// ------------------------------------------------------------------ Chromium

std::string find_chromium() {
  if (const char* c = std::getenv("FL_CHROMIUM"); c && *c) return c;
  for (const char* p : {"/usr/bin/chromium", "/usr/lib/chromium/chromium"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

struct Ran {
  bool started = false;
  bool timed_out = false;
  int status = -1;
};

// Runs argv in its own process group with stdout and stderr to files, and
// kills that group (and only it) on a timeout or when the browser left
// helpers behind.
Ran run(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err, int timeout_s) {
  Ran r;
  const pid_t pid = ::fork();
  if (pid < 0) return r;
  if (pid == 0) {
    ::setpgid(0, 0);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = ::open("/dev/null", O_RDONLY);
    if (o < 0 || e < 0 || in < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: no race with the child's own call
  r.started = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    int st = 0;
    const pid_t w = ::waitpid(pid, &st, WNOHANG);
    if (w == pid) {
      r.status = st;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);  // helpers of this browser that outlived it, if any
  return r;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ReportInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = find_chromium();
    if (chromium_.empty())
      GTEST_SKIP() << "Debian's chromium is not installed (apt-get install chromium); the report is not checked in a browser";
    const char* keep = std::getenv("FL_REPORT_KEEP");
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    keep_ = keep && *keep;
    dir_ = keep_ ? fs::path(keep) / info->name()
                 : fs::temp_directory_path() / ("fl-report-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!keep_ && !dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  // Chromium with everything that could reach the network off, and any host
  // name resolving to nothing: the page is file:// and must need nothing else.
  std::vector<std::string> browser(const std::string& profile) const {
    return {chromium_,
            "--headless=new",
            "--no-sandbox",  // runs as root here
            "--disable-gpu",
            "--user-data-dir=" + (dir_ / profile).string(),
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--disable-domain-reliability",
            "--disable-breakpad",
            "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            "--virtual-time-budget=3000"};
  }

  // The page's DOM after its scripts ran.
  std::string dump_dom(const fs::path& html, const std::string& tag) {
    auto args = browser("profile-" + tag);
    args.push_back("--dump-dom");
    args.push_back("file://" + html.string());
    const auto out = dir_ / (tag + ".dom.html"), err = dir_ / (tag + ".stderr");
    const Ran r = run(args, out, err, 25);
    EXPECT_TRUE(r.started);
    EXPECT_FALSE(r.timed_out) << "chromium did not finish within 25 s";
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << "chromium failed: " << slurp(err);
    return slurp(out);
  }

  std::string chromium_;
  fs::path dir_;
  bool keep_ = false;
};

// The attributes of the page's render check, unescaped.
std::map<std::string, std::string> render_check(const std::string& dom) {
  std::map<std::string, std::string> out;
  const auto at = dom.find("id=\"render-check\"");
  if (at == std::string::npos) return out;
  const auto begin = dom.rfind('<', at), end = dom.find('>', at);
  const std::string tag = dom.substr(begin, end - begin);
  static const std::regex attr(R"re(([a-z-]+)="([^"]*)")re");
  for (auto it = std::sregex_iterator(tag.begin(), tag.end(), attr); it != std::sregex_iterator(); ++it) {
    std::string v = (*it)[2];
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}}) {
      for (size_t p = v.find(from); p != std::string::npos; p = v.find(from, p + to.size())) v.replace(p, from.size(), to);
    }
    out[(*it)[1]] = v;
  }
  return out;
}

// "a:1;b:2" -> {a: "1", b: "2"}; the separator between key and value is `kv`.
std::map<std::string, std::string> pairs(const std::string& s, char kv) {
  std::map<std::string, std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ';')) {
    const auto p = item.find(kv);
    if (p != std::string::npos) out[item.substr(0, p)] = item.substr(p + 1);
  }
  return out;
}

// The summaries the report is tested with are ones make_summary could write:
// when summary.json changes, so must they (and the page, if it reads the change).
TEST(ReportFolders, TheRealisticRunsSummaryMatchesTheSchema) {
  const auto dir = fs::temp_directory_path() / ("fl-report-schema-" + std::to_string(::getpid()));
  Folder f = realistic_run();
  write_folder(dir / "run", f);
  EXPECT_TRUE(faultline::testing::matches_summary_schema(dir / "run" / "summary.json"));
  f.summary["health"] = {{"tick_s", 1}, {"services", {{"db", "hhhdddfffh"}}}};
  EXPECT_TRUE(faultline::testing::matches_summary_schema(f.summary));
  write_folder(dir / "odd", odd_run());
  EXPECT_FALSE(faultline::testing::matches_summary_schema(dir / "odd" / "summary.json"));
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST_F(ReportInChromium, DrawsGraphPlotsAndTablesWithoutErrors) {
  const auto run_dir = dir_ / "run";
  const Folder f = realistic_run();
  write_folder(run_dir, f);
  const auto t0 = std::chrono::steady_clock::now();
  const auto st = write_report(run_dir.string());
  ASSERT_TRUE(st.ok()) << st.error().message();
  const auto html = run_dir / "report.html";
  ASSERT_TRUE(fs::exists(html));

  const std::string dom = dump_dom(html, "full");
  auto rc = render_check(dom);
  ASSERT_FALSE(rc.empty()) << "no render check in the page: the script did not run";
  EXPECT_EQ(rc.count("data-errors") ? rc.at("data-errors") : "missing", "") << "errors in the page";
  EXPECT_EQ(rc["data-ok"], "1");
  EXPECT_EQ(rc["data-graph-nodes"], std::to_string(1 + f.summary["topology"]["services"].size()))
      << "one node per service and load generator";
  EXPECT_EQ(rc["data-graph-edges"], std::to_string(f.summary["topology"]["edges"].size()));
  EXPECT_EQ(rc["data-expectations"], "2");

  // Every plot drew at least one line; the core five are all there, each
  // with the lines the data has.
  const auto paths = pairs(rc["data-plot-paths"], ':');
  EXPECT_EQ(std::to_string(paths.size()), rc["data-plots"]);
  const std::map<std::string, int> want = {{"offered_rps", 1}, {"attempts_rps", 2}, {"goodput_rps", 3}, {"p99_s", 3},
                                           {"errors_rps", 3},  {"shed_rps", 1},     {"queue_depth", 1}, {"breaker_open", 1},
                                           {"cpu_cores", 3},   {"received_pps", 2}, {"engine_dropped_pps", 2}};
  for (const auto& [metric, lines] : want) {
    ASSERT_TRUE(paths.count(metric)) << metric << " has no plot; plots: " << rc["data-plot-paths"];
    EXPECT_EQ(paths.at(metric), std::to_string(lines)) << metric;
  }
  for (const auto& [metric, n] : paths) EXPECT_NE(n, "0") << "empty plot " << metric;

  // The page's own health derivation (goodput and p99 against the baselines)
  // finds the order the data was built with: db, then api, then the client.
  const auto first = pairs(rc["data-first-unhealthy"], '=');
  EXPECT_EQ(first.at("db"), "21");
  EXPECT_EQ(first.at("api"), "24");
  EXPECT_EQ(first.at("load:client"), "27");

  // Data containing markup is shown as text, never run or parsed as HTML.
  EXPECT_EQ(dom.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(dom.find("&lt;script&gt;alert(1)"), std::string::npos);
  EXPECT_NE(dom.find("retry-storm &lt;b&gt;&amp;&lt;/b&gt;"), std::string::npos);

  // A screenshot, as a person would see the page.
  auto args = browser("profile-shot");
  const auto png = dir_ / "report.png";
  args.insert(args.end(), {"--hide-scrollbars", "--window-size=1400,2000", "--screenshot=" + png.string(),
                           "file://" + html.string()});
  const Ran r = run(args, dir_ / "shot.stdout", dir_ / "shot.stderr", 25);
  EXPECT_FALSE(r.timed_out);
  ASSERT_TRUE(fs::exists(png)) << slurp(dir_ / "shot.stderr");
  const std::string img = slurp(png);
  EXPECT_GT(img.size(), 20u * 1024) << "a near-empty screenshot";
  ASSERT_GE(img.size(), 24u);
  EXPECT_EQ(img.substr(1, 3), "PNG");
  const auto be32 = [&](size_t o) {
    return (uint32_t(uint8_t(img[o])) << 24) | (uint32_t(uint8_t(img[o + 1])) << 16) |
           (uint32_t(uint8_t(img[o + 2])) << 8) | uint32_t(uint8_t(img[o + 3]));
  };
  EXPECT_EQ(be32(16), 1400u);
  EXPECT_EQ(be32(20), 2000u);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("report: %zu bytes of HTML, screenshot %zu bytes at %s, %.1f s\n", slurp(html).size(), img.size(),
              png.c_str(), secs);
}

TEST_F(ReportInChromium, TheGraphFollowsTheAnalysisAndUnansweredScrapes) {
  // db: the analysis' own per-tick verdicts (summary.health) say degraded
  // from 19 s, earlier than the page's rule would find from the series
  // (21 s): the page must show the analysis'. api has no verdicts in the
  // summary, and did not answer its scrape at 22 s: unresponsive is degraded.
  const auto run_dir = dir_ / "health";
  Folder f = realistic_run();
  std::string db(kTicks + 1, 'h');
  for (int t = 19; t < 38; ++t) db[t] = 'd';
  f.summary["health"] = {{"tick_s", 1}, {"services", {{"db", db}}}};
  f.csv += "22,api,api,up,0\n";
  write_folder(run_dir, f);
  const auto st = write_report(run_dir.string());
  ASSERT_TRUE(st.ok()) << st.error().message();
  auto rc = render_check(dump_dom(run_dir / "report.html", "health"));
  ASSERT_FALSE(rc.empty()) << "no render check in the page: the script did not run";
  EXPECT_EQ(rc["data-ok"], "1") << rc["data-errors"];
  const auto first = pairs(rc["data-first-unhealthy"], '=');
  EXPECT_EQ(first.at("db"), "19");
  EXPECT_EQ(first.at("api"), "22");
  EXPECT_EQ(first.at("load:client"), "27");
}

TEST_F(ReportInChromium, OddRunsStillRender) {
  const auto run_dir = dir_ / "odd";
  write_folder(run_dir, odd_run());
  const auto st = write_report(run_dir.string());
  ASSERT_TRUE(st.ok()) << st.error().message();
  const std::string dom = dump_dom(run_dir / "report.html", "odd");
  auto rc = render_check(dom);
  ASSERT_FALSE(rc.empty()) << "no render check in the page: the script did not run";
  EXPECT_EQ(rc.count("data-errors") ? rc.at("data-errors") : "missing", "");
  EXPECT_EQ(rc["data-ok"], "1");
  EXPECT_EQ(rc["data-graph-nodes"], "3");  // client, web, cache
  const auto paths = pairs(rc["data-plot-paths"], ':');
  EXPECT_EQ(paths.at("offered_rps"), "1");
  EXPECT_EQ(paths.at("goodput_rps"), "1");  // holes do not stop a line
  EXPECT_EQ(paths.at("p99_s"), "1");
  EXPECT_EQ(paths.at("attempts_rps"), "0");  // no samples: drawn as such, not an error
  const auto first = pairs(rc["data-first-unhealthy"], '=');
  EXPECT_EQ(first.at("cache"), "never");
  EXPECT_EQ(first.at("web"), "never");
  EXPECT_NE(dom.find("No fault, no propagation."), std::string::npos);
}

}  // namespace
}  // namespace faultline::report
