// SPDX-License-Identifier: Apache-2.0
// report.html in a real browser: a synthetic but realistic results folder
// (a load generator calling api calling db, a CPU cut on db from 20 s to 35 s,
// the tiers degrading one after the other, one expectation failing, the
// first failed request's trace) is turned into a report, which headless
// Chromium opens from file:// only. The page's own render check (written
// into the DOM after drawing) must report the graph's nodes, a drawn line in
// every plot, health from the analysis' letters, the replay of the onsets,
// a waterfall row per span and no error; a screenshot is saved. Skips when
// Debian's chromium is not installed.
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
#include <tuple>
#include <vector>

#include "orchestrator/report/explore_page.hpp"
#include "orchestrator/report/report.hpp"
#include "tests/support/chromium.hpp"
#include "tests/support/summary_schema.hpp"

namespace faultline::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using faultline::testing::chromium_args;
using faultline::testing::find_chromium;
using faultline::testing::Ran;
using faultline::testing::render_check;
using faultline::testing::run;
using faultline::testing::slurp;

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

// The first organic request that failed after the fault, as summary.traces
// holds it: the client's call to api (two attempts); api's first request
// called db, whose first attempt was shed and whose retry was refused; its
// second was refused by api's breaker and answered 502. Listed out of tree
// order, as the records arrive. Each span: {id, parent, source, kind, name,
// start, end, cause, status, attempt}; the tree's depths are in kTraceDepths.
json first_failed_trace() {
  struct S {
    const char *id, *parent, *source, *kind, *name;
    double start, end;
    const char* cause;
    int status, attempt;
  };
  const S spans[] = {
      {"00000000000000c0", nullptr, "load:client", "call", "api", 20.500, 21.571, "http_5xx", 502, 2},
      {"00000000000000a1", "00000000000000c0", "load:client", "attempt", "api", 21.550, 21.571, "http_5xx", 502, 1},
      {"00000000000000a0", "00000000000000c0", "load:client", "attempt", "api", 20.500, 21.500, "timeout", 0, 0},
      {"0000000000000070", "00000000000000a0", "api", "request", "/", 20.501, 21.700, "gateway_timeout", 504, 0},
      {"00000000000000b0", "0000000000000070", "api", "call", "db", 20.502, 21.699, "deadline", 0, 2},
      {"00000000000000b1", "00000000000000b0", "api", "attempt", "db", 20.502, 20.505, "shed", 503, 0},
      {"00000000000000d0", "00000000000000b1", "db", "request", "/", 20.503, 20.504, "shed_queue_full", 503, 0},
      {"00000000000000b2", "00000000000000b0", "api", "attempt", "db", 20.550, 20.650, "connect", 0, 1},
      {"0000000000000071", "00000000000000a1", "api", "request", "/", 21.556, 21.570, "downstream", 502, 0},
      {"00000000000000e0", "0000000000000071", "api", "call", "db", 21.561, 21.562, "breaker_open", 0, 0},
  };
  json out = {{"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}, {"source", "load:client"}, {"start_s", 20.5},
              {"cause", "http_5xx"}, {"spans", json::array()}};
  for (const auto& x : spans)
    out["spans"].push_back({{"id", x.id}, {"parent", x.parent ? json(x.parent) : json(nullptr)}, {"source", x.source},
                            {"kind", x.kind}, {"name", x.name}, {"start_s", x.start}, {"end_s", x.end},
                            {"cause", x.cause}, {"status", x.status}, {"attempt", x.attempt}, {"hedge", false},
                            {"fallback", false}, {"open", false}});
  return out;
}
// Each span's depth in the waterfall and the colour class of its cause.
const std::map<std::string, std::pair<int, std::string>> kTraceRows = {
    {"00000000000000c0", {0, "5xx"}},     {"00000000000000a0", {1, "timeout"}}, {"0000000000000070", {2, "timeout"}},
    {"00000000000000b0", {3, "timeout"}}, {"00000000000000b1", {4, "shed"}},    {"00000000000000d0", {5, "shed"}},
    {"00000000000000b2", {4, "refused"}}, {"00000000000000a1", {1, "5xx"}},     {"0000000000000071", {2, "5xx"}},
    {"00000000000000e0", {3, "breaker"}}};

// Health letters from runs of one letter: {{'h', 3}, {'d', 2}} -> "hhhdd".
std::string letters(std::initializer_list<std::pair<char, int>> runs) {
  std::string out;
  for (const auto& [c, n] : runs) out.append(static_cast<size_t>(n), c);
  return out;
}

// Per 100 ms window (600 in the run's 60 s): db degrades at 20.0 s, fails at
// 20.3 s and is idle (asked nothing: api's breaker is open) from 29 to 39 s;
// api degrades at 20.8 s and fails from 21 s to 39 s.
const std::string kDbHealth = letters({{'i', 10}, {'h', 190}, {'d', 3}, {'f', 87}, {'i', 100}, {'h', 210}});
const std::string kApiHealth = letters({{'i', 10}, {'h', 198}, {'d', 2}, {'f', 180}, {'d', 10}, {'h', 200}});

// client (load) -> api -> db. In the series db degrades at 21 s (1 s after
// the fault), api at 24 s, the client at 27 s; recovery from 38 to 42 s.
// The analysis' verdicts are summary.health's letters (above), onsets to
// the millisecond: db at +62 ms, api at +900 ms through its call to db. Its
// summary is one make_summary could write (docs/summary.schema.json; checked
// below).
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
               "last_fault_end_s": 35, "end_s": 60, "t0_monotonic_ns": 7280984465633,
               "t0_unix_ns": 1796558725556602874},
    "figures": {"goodput_baseline_rps": 398, "goodput_during_fault_rps": 180, "offered_during_fault_rps": 400,
                "goodput_during_fault_ratio": 0.45},
    "thresholds": {"slo_factor": 2, "collapse_goodput": 0.1, "recovered_goodput": 0.95, "recovered_p99": 1.1,
                   "recovery_window_ticks": 5, "load_back_within": 0.1, "onset_resolution_s": 0.05,
                   "health": {"window_s": 0.1, "lookback_s": 1, "alpha": 0.0001, "bad_floor": 0.05,
                              "bad_factor": 3, "bad_cap": 0.5, "failed_good": 0.1}},
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
                "metastable": false, "blast_radius": 1.0, "hops_per_s": 1.19,
                "max_cumulative_amplification": 3.9, "max_hop_amplification": 2.4,
                "headline": "collapsed 7 s after the first fault; recovered 7 s after it ended"},
    "baselines": {"api": {"slo_s": 0.04, "slo_explicit": false, "tries_p99_s": 0.02, "bad_share": 0.001,
                          "bad_share_allowed": 0.05, "tries": 4000},
                  "db": {"slo_s": 0.008, "slo_explicit": true, "tries_p99_s": 0.004, "bad_share": 0.0,
                         "bad_share_allowed": 0.05, "tries": 4000},
                  "system": {"goodput_rps": 398, "p99_s": 0.03, "valid": true}},
    "health": {"window_s": 0.1, "services": {}, "calls": {}},
    "propagation": [{"service": "db", "onset_s": 20.062, "after_fault_s": 0.062, "resolution_s": 0.05,
                     "via": "", "via_edge": "", "hops": 0, "simultaneous": false},
                    {"service": "api", "onset_s": 20.9, "after_fault_s": 0.9, "resolution_s": 0.05,
                     "via": "db", "via_edge": "api->db", "hops": 1, "simultaneous": false}],
    "amplification": [{"caller": "load:client", "callee": "api", "tier": 1, "per_hop": 2.4, "per_hop_peak": 2.5,
                       "cumulative": 2.4, "cumulative_peak": 2.5, "onset_after_fault_s": 0.9},
                      {"caller": "api", "callee": "db", "tier": 2, "per_hop": 1.6, "per_hop_peak": 2.0,
                       "cumulative": 3.9, "cumulative_peak": 4.0, "onset_after_fault_s": 0.062}],
    "controls": [{"service": "api", "control": "breaker", "engaged_s": 9, "degraded_s": 0.9, "outpaced": true,
                  "simultaneous": false},
                 {"service": "db", "control": "shedding", "engaged_s": 0.08, "degraded_s": 0.062, "outpaced": false,
                  "simultaneous": true}],
    "expectations": [{"name": "recovers_within", "metric": "recovery_time", "measured": 7, "op": "<=", "threshold": 5,
                      "passed": false, "detail": "recovered 7 s after the last fault"},
                     {"name": "max_amplification", "metric": "cumulative_amplification", "measured": 3.9, "op": "<=",
                      "threshold": 10, "passed": true, "detail": ""}],
    "passed": false,
    "records": {"spans": 412345, "open": 12, "dropped": 0, "unsampled": 0, "complete": true,
                "sources": {"api": {"spans": 200000, "open": 4, "dropped": 0, "unsampled": 0, "pulls": 61},
                            "db": {"spans": 120000, "open": 2, "dropped": 0, "unsampled": 0, "pulls": 61},
                            "load:client": {"spans": 92345, "open": 6, "dropped": 0, "unsampled": 0, "pulls": 61}}},
    "traces": [],
    "predictions": {"model": "M/M/c",
                    "services": {"api": {"offered_rps": 400, "capacity_rps": 3200, "utilisation": 0.125, "hold_s": 0.005,
                                         "mean_s": 0.005, "p50_s": 0.0035, "p99_s": 0.023, "worst_attempts": 3,
                                         "capped_attempts": 3},
                                 "db": {"offered_rps": 400, "capacity_rps": 1000, "utilisation": 0.4, "hold_s": 0.001,
                                        "mean_s": 0.0011, "p50_s": 0.0008, "p99_s": 0.005, "worst_attempts": 12,
                                        "capped_attempts": 3.6}},
                    "loads": {"client": {"rate_rps": 400, "peak_rps": 400, "vulnerable_above_rps": 277.8,
                                         "bottleneck": "db"}}}
  })");
  f.summary["health"]["services"] = {{"db", kDbHealth}, {"api", kApiHealth}};
  f.summary["health"]["calls"] = {{"api->db", kDbHealth}, {"load:client->api", kApiHealth}};
  f.summary["traces"].push_back(first_failed_trace());

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
// Its summary is outside the schema on purpose (an older or hand-made one:
// amplification as during_fault and peak, no health, no traces): the page
// draws what it can.
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
  std::vector<std::string> browser(const std::string& profile, int budget_ms = 3000) const {
    return chromium_args(chromium_, dir_ / profile, budget_ms);
  }

  // The page's DOM after its scripts ran (and `budget_ms` of virtual time
  // passed), opened at `fragment` ("#t=27", "#replay").
  std::string dump_dom(const fs::path& html, const std::string& tag, const std::string& fragment = "",
                       int budget_ms = 3000) {
    auto args = browser("profile-" + tag, budget_ms);
    args.push_back("--dump-dom");
    args.push_back("file://" + html.string() + fragment);
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

// The attributes of every element whose class attribute starts with `cls`
// (e.g. the waterfall's rows, "wf-row"), in document order.
std::vector<std::map<std::string, std::string>> elements(const std::string& dom, const std::string& cls) {
  std::vector<std::map<std::string, std::string>> out;
  const std::regex tag("<[a-z]+ class=\"" + cls + "[^\"]*\"[^>]*>");
  static const std::regex attr(R"re(([a-z-]+)="([^"]*)")re");
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), tag); it != std::sregex_iterator(); ++it) {
    const std::string t = it->str();
    std::map<std::string, std::string> a;
    for (auto at = std::sregex_iterator(t.begin(), t.end(), attr); at != std::sregex_iterator(); ++at) a[(*at)[1]] = (*at)[2];
    out.push_back(std::move(a));
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
  EXPECT_EQ(kDbHealth.size(), 600u);
  EXPECT_EQ(kApiHealth.size(), 600u);
  // The old shape of health (letters per tick) is not the schema's any more.
  Folder old = f;
  old.summary["health"] = {{"tick_s", 1}, {"services", {{"db", "hhhdddfffh"}}}};
  EXPECT_FALSE(faultline::testing::matches_summary_schema(old.summary));
  old = f;
  old.summary["health"]["services"]["db"] = "hhx";
  EXPECT_FALSE(faultline::testing::matches_summary_schema(old.summary)) << "a letter outside hdfiu";
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
  EXPECT_EQ(rc["data-predictions"], "2") << "predicted vs measured: one row per service";

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

  // Health is the analysis' letters: the first degraded window of each
  // service (db at 20.0 s, api at 20.8 s), and nothing for the load
  // generator, which has none (the series would say 27 s).
  const auto first = pairs(rc["data-first-unhealthy"], '=');
  EXPECT_EQ(first.at("db"), "20");
  EXPECT_EQ(first.at("api"), "20.8");
  EXPECT_EQ(first.at("load:client"), "unjudged");

  // The propagation table and the replay's steps: db first, then api, each
  // its own group (838 ms apart, far beyond the 50 ms resolution).
  EXPECT_EQ(rc["data-replay-steps"], "db@1;api@2");
  EXPECT_NE(dom.find("+62 ms \u00b150 ms"), std::string::npos) << "the onset in milliseconds with its resolution";
  EXPECT_NE(dom.find("hop \u00d71.6 \u00b7 cum \u00d73.9"), std::string::npos) << "both amplification figures on the edge";

  // The waterfall: one row per span of the trace, in tree order, each at its
  // depth and coloured by its cause.
  const json& trace = f.summary["traces"][0];
  EXPECT_EQ(rc["data-waterfall"], trace["trace_id"].get<std::string>() + ":" + std::to_string(trace["spans"].size()));
  const auto rows = elements(dom, "wf-row");
  ASSERT_EQ(rows.size(), trace["spans"].size());
  std::vector<std::string> order;
  for (const auto& r : rows) {
    const auto want = kTraceRows.find(r.at("data-span-id"));
    ASSERT_NE(want, kTraceRows.end()) << r.at("data-span-id");
    EXPECT_EQ(r.at("data-depth"), std::to_string(want->second.first)) << r.at("data-span-id");
    EXPECT_EQ(r.at("data-cause-class"), want->second.second) << r.at("data-span-id");
    order.push_back(r.at("data-span-id").substr(14));
  }
  // A parent before its children, children by their start.
  EXPECT_EQ(order, (std::vector<std::string>{"c0", "a0", "70", "b0", "b1", "d0", "b2", "a1", "71", "e0"}));

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

TEST_F(ReportInChromium, HealthAtATimeComesFromTheAnalysisLetters) {
  // At 30.1 s (window 301) db is idle (api's breaker is open: nothing asks
  // it), not failed, and api has failed; the call api->db is idle too. At
  // 20.8 s api is degraded and db has failed. The series would say
  // otherwise (db's goodput is down, api's is up until 24 s): the page must
  // show the letters.
  const auto run_dir = dir_ / "health";
  const Folder f = realistic_run();
  write_folder(run_dir, f);
  const auto st = write_report(run_dir.string());
  ASSERT_TRUE(st.ok()) << st.error().message();
  for (const auto& [at, db, api, call] : std::vector<std::tuple<std::string, std::string, std::string, std::string>>{
           {"30.1", "idle", "failed", "idle"}, {"20.8", "failed", "degraded", "failed"}, {"10", "healthy", "healthy", "healthy"}}) {
    const std::string dom = dump_dom(run_dir / "report.html", "health-" + at, "#t=" + at);
    auto rc = render_check(dom);
    ASSERT_FALSE(rc.empty()) << "no render check in the page: the script did not run";
    EXPECT_EQ(rc["data-ok"], "1") << rc["data-errors"];
    EXPECT_EQ(rc["data-mode"], "time");
    EXPECT_EQ(rc["data-time"], at);
    const auto now = pairs(rc["data-health-now"], '=');
    EXPECT_EQ(now.at("db"), db) << "at " << at;
    EXPECT_EQ(now.at("api"), api) << "at " << at;
    EXPECT_EQ(now.at("load:client"), "unjudged") << "at " << at;
    const auto calls = pairs(rc["data-call-health-now"], '=');
    EXPECT_EQ(calls.at("api->db"), call) << "at " << at;
    // idle has its own legend entry: it is not failure.
    EXPECT_NE(dom.find("idle (asked nothing: not a failure)"), std::string::npos);
  }
}

TEST_F(ReportInChromium, TheReplayLightsTheCallsInOnsetOrder) {
  // #replay plays the onsets on load: at its end db and api have turned,
  // the call api->db (api's via_edge) is lit, the client's call to api is
  // not, and the clock shows api's onset.
  const auto run_dir = dir_ / "replay";
  Folder f = realistic_run();
  write_folder(run_dir, f);
  ASSERT_TRUE(write_report(run_dir.string()).ok());
  auto rc = render_check(dump_dom(run_dir / "report.html", "replay", "#replay", 10000));
  ASSERT_FALSE(rc.empty()) << "no render check in the page: the script did not run";
  EXPECT_EQ(rc["data-ok"], "1") << rc["data-errors"];
  EXPECT_EQ(rc["data-mode"], "replay");
  EXPECT_EQ(rc["data-replay-done"], "1") << "the replay did not finish within 10 s of virtual time";
  EXPECT_EQ(rc["data-replay-lit"], "api->db");
  EXPECT_EQ(rc["data-replay-turned"], "api;db");
  EXPECT_EQ(rc["data-replay-clock"], "+900 ms after the first fault");

  // Simultaneous onsets turn together: api within the resolution of db.
  f.summary["propagation"][1]["after_fault_s"] = 0.071;
  f.summary["propagation"][1]["onset_s"] = 20.071;
  f.summary["propagation"][1]["simultaneous"] = true;
  ASSERT_TRUE(faultline::testing::matches_summary_schema(f.summary));
  write_folder(run_dir, f);
  ASSERT_TRUE(write_report(run_dir.string()).ok());
  const std::string dom = dump_dom(run_dir / "report.html", "replay-together", "#replay", 10000);
  rc = render_check(dom);
  EXPECT_EQ(rc["data-ok"], "1") << rc["data-errors"];
  EXPECT_EQ(rc["data-replay-steps"], "db@1;api@1");
  EXPECT_EQ(rc["data-replay-done"], "1");
  EXPECT_EQ(rc["data-replay-lit"], "api->db");
  EXPECT_EQ(rc["data-replay-clock"], "+62 ms after the first fault") << "the group's first onset";
  EXPECT_NE(dom.find("simultaneous: within the resolution, order not measured"), std::string::npos);
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
  // An older summary: no health letters (nothing judged), no traces.
  const auto first = pairs(rc["data-first-unhealthy"], '=');
  EXPECT_EQ(first.at("cache"), "unjudged");
  EXPECT_EQ(first.at("web"), "unjudged");
  EXPECT_EQ(rc["data-replay-steps"], "");
  EXPECT_EQ(rc["data-waterfall"], "");
  EXPECT_NE(dom.find("No fault, no propagation."), std::string::npos);
  EXPECT_NE(dom.find("summary.json has no traces"), std::string::npos);
}

// explore.html (report/explore_page.hpp) as a browser draws it: a point per
// run, each a link to its report, the boundary's band, no errors; with two
// axes a band per stretch of lines that found a boundary.
TEST_F(ReportInChromium, TheExplorePageDrawsEveryRunAndTheBoundary) {
  nlohmann::json doc = nlohmann::json::parse(R"({
    "x": {"key": "node.svc.service.8080.queue", "lo": 35, "hi": 150, "integer": true, "suffix": "", "unit": ""},
    "y": null, "repeat": 1, "budget": 6, "complete": true,
    "runs": [
      {"index": 0, "x": 35, "y": 0, "repeat": 0, "seed": 1, "good": true, "metastable": false, "headline": "a <b>", "report": "runs/000/report.html"},
      {"index": 1, "x": 150, "y": 0, "repeat": 0, "seed": 1, "good": false, "metastable": true, "headline": "b", "report": "runs/001/report.html"},
      {"index": 2, "x": 50, "y": 0, "repeat": 0, "seed": 1, "good": true, "metastable": false, "headline": "c", "report": "runs/002/report.html"},
      {"index": 3, "x": 57, "y": 0, "repeat": 0, "seed": 1, "good": false, "metastable": true, "headline": "d", "report": "runs/003/report.html"}],
    "lines": [{"y": null, "kind": "found", "good_below": true, "estimate": 53.5, "ci95_lo": 41.5, "ci95_hi": 62.3,
               "last_good": 50, "first_bad": 57, "runs": 4, "verdict": "recovers from this trigger up to 53.5"}],
    "predicted": {"value": 50, "what": "safe up to a queue of", "source": "lint"},
    "verdict": "recovers from this trigger up to 53.5 (41.5-62.3, 95%) </script><!--"})");
  const auto html = dir_ / "explore.html";
  std::ofstream(html) << render_explore(doc);
  const std::string dom = dump_dom(html, "explore");
  auto rc = render_check(dom);
  ASSERT_FALSE(rc.empty()) << "no render check in the page: the script did not run";
  EXPECT_EQ(rc.count("data-errors") ? rc.at("data-errors") : "missing", "");
  EXPECT_EQ(rc["data-ok"], "1");
  EXPECT_EQ(rc["data-points"], "4");
  EXPECT_EQ(rc["data-bands"], "1");
  for (int i = 0; i < 4; ++i)
    EXPECT_NE(dom.find("<a href=\"runs/00" + std::to_string(i) + "/report.html\""), std::string::npos) << i;
  EXPECT_NE(dom.find("lint: safe up to a queue of 50"), std::string::npos);

  // Two axes, the middle line without a boundary: two bands.
  doc["y"] = {{"key", "node.client.load.rate"}, {"lo", 40}, {"hi", 120}, {"integer", true}, {"suffix", ""}, {"unit", "req/s"}};
  doc["lines"] = nlohmann::json::array();
  for (int y : {40, 60, 80, 100, 120})
    doc["lines"].push_back(y == 80 ? nlohmann::json{{"y", y}, {"kind", "all_recover"}}
                                   : nlohmann::json{{"y", y}, {"kind", "found"}, {"estimate", 50 + y / 10},
                                                    {"ci95_lo", 45 + y / 10}, {"ci95_hi", 55 + y / 10}});
  // Each line with its own lint figure (a second key moves it), none shared:
  // a dashed path through them.
  doc["predicted"] = nullptr;
  for (auto& l : doc["lines"]) l["predicted"] = {{"value", 40 + l["y"].get<int>() / 4}, {"what", "safe up to a queue of"}};
  std::ofstream(html, std::ios::trunc) << render_explore(doc);
  const std::string dom2 = dump_dom(html, "explore2");
  auto rc2 = render_check(dom2);
  EXPECT_EQ(rc2["data-ok"], "1") << rc2["data-errors"];
  EXPECT_EQ(rc2["data-bands"], "2");
  EXPECT_NE(dom2.find("class=\"predicted\""), std::string::npos) << "the lines' figures are not drawn";
  EXPECT_EQ(dom2.find("lint: safe up to"), std::string::npos) << "no figure is shared by every line";
}

}  // namespace
}  // namespace faultline::report
