// SPDX-License-Identifier: Apache-2.0
// `faultline explore FILE --vary KEY=LO..HI [--vary KEY2=LO..HI]`: where a
// configuration stops recovering, by an adaptive search over one or two
// --set keys (experiment/explore_search.hpp) whose runs are `faultline
// run`'s (run_one.hpp), one after the other: the host's CPUs are the
// measuring instrument. Every finished run goes into the out folder's
// journal, so a killed explore re-run with the same arguments continues.
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>

#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/cli/run_one.hpp"
#include "orchestrator/experiment/explore_journal.hpp"
#include "orchestrator/experiment/explore_results.hpp"
#include "orchestrator/experiment/junit.hpp"
#include "orchestrator/lint/lint.hpp"
#include "orchestrator/report/explore_page.hpp"
#include "orchestrator/report/summary_check.hpp"
#include "orchestrator/runtime/probe.hpp"

namespace faultline::cli {

namespace fs = std::filesystem;
namespace ex = experiment::explore;

namespace {

// "12", "0.25", "5s": a number and an optional unit after it.
bool split_value(const std::string& s, double& v, std::string& suffix, bool& integer) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || !std::isfinite(v)) return false;
  const std::string num(s.data(), p);
  integer = num.find_first_of(".eE") == std::string::npos;
  suffix.assign(p, end);
  return suffix.find_first_not_of("abcdefghijklmnopqrstuvwxyz%") == std::string::npos;
}

// KEY=LO..HI, checked by loading the topology at both ends (a wrong key or
// value is refused as --set refuses it, with its position).
ex::Axis parse_vary(const std::string& arg, const model::TopologySource& src, const std::vector<std::string>& set) {
  const auto bad = [&](const std::string& why) {
    fail(Failure::kBadInput, "--vary " + arg + ": " + why +
                                 "; write KEY=LO..HI with a --set key, e.g. node.client.load.rate=50..400, "
                                 "node.svc.service.8080.queue=10..200 or fault.0.for=1s..20s");
  };
  const size_t eq = arg.rfind('=');
  if (eq == std::string::npos || eq == 0) bad("no KEY= before the range");
  const std::string range = arg.substr(eq + 1);
  const size_t dots = range.find("..");
  if (dots == std::string::npos) bad("no LO..HI after '='");
  ex::Axis a;
  a.key = arg.substr(0, eq);
  std::string s_lo, s_hi;
  bool i_lo = false, i_hi = false;
  if (!split_value(range.substr(0, dots), a.lo, s_lo, i_lo) || !split_value(range.substr(dots + 2), a.hi, s_hi, i_hi))
    bad("LO and HI must be numbers, with the same unit if any (1s..20s)");
  if (s_lo != s_hi) bad("LO and HI have different units ('" + s_lo + "', '" + s_hi + "')");
  if (!(a.lo < a.hi)) bad("LO must be below HI");
  a.suffix = s_lo;
  a.integer = i_lo && i_hi;
  for (double v : {a.lo, a.hi}) {
    auto with = set;
    with.push_back(a.key + "=" + ex::set_value(a, v));
    (void)load_or_die(src, with);
  }
  return a;
}

// FNV-1a of the topology's text: a re-run must explore the same file.
std::string fingerprint(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  char b[20];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h));
  return b;
}

// The lint's figure for the boundary of a load's rate (vulnerable above)
// or a queue bound (the largest queue the HotOS'25 condition allows), with
// the --set overrides `set` (a line's second key among them).
std::optional<ex::Predicted> predicted(const model::TopologySource& src, const std::vector<std::string>& set,
                                       const ex::Axis& x) {
  std::smatch m;
  static const std::regex rate(R"(^node\.([^.]+)\.load\.rate$)"), queue(R"(^node\.([^.]+)\.service\.(\d+)\.queue$)");
  lint::LintOptions o;
  o.host_cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (std::regex_match(x.key, m, rate)) {
    const auto r = lint::lint(load_or_die(src, set), o);
    for (const auto& l : r.predictions.loads)
      if (l.node == m[1].str() && l.vulnerable_above_rps)
        return ex::Predicted{*l.vulnerable_above_rps, "vulnerable above",
                             "lint: capacity of " + l.bottleneck + " / the attempts each request brings it"};
    return std::nullopt;
  }
  if (std::regex_match(x.key, m, queue)) {
    // At the top of the range, where the condition holds if anywhere.
    auto with = set;
    with.push_back(x.key + "=" + ex::set_value(x, x.hi));
    const auto topo = load_or_die(src, with);
    std::string service;
    for (const auto& n : topo.nodes)
      if (n.name == m[1].str())
        for (const auto& s : n.services)
          if (std::to_string(s.port) == m[2].str()) service = s.name;
    for (const auto& f : lint::lint(topo, o).findings)
      if (f.check == "metastability" && std::find(f.services.begin(), f.services.end(), service) != f.services.end())
        return ex::Predicted{f.figure("safe_queue"), "safe up to a queue of",
                             "lint: metastability, caller timeout x the rate the queue drains at"};
  }
  return std::nullopt;
}

// The figure of each line: a second key may move it (more retries lower
// the vulnerable rate), so the lint judges each line's value of it.
ex::LinePredictions predictions(const model::TopologySource& src, const std::vector<std::string>& set,
                                const ex::Spec& spec) {
  if (!spec.y) return {predicted(src, set, spec.x)};
  ex::LinePredictions out;
  for (double y : ex::line_values(spec)) {
    auto with = set;
    with.push_back(spec.y->key + "=" + ex::set_value(*spec.y, y));
    out.push_back(predicted(src, with, spec.x));
  }
  return out;
}

std::string default_out(const model::Topology& t) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return "results/" + t.experiment.name + "-explore-" + stamp;
}

void write_or_warn(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::trunc);
  if (!f || !(f << text) || !f.flush()) std::fprintf(stderr, "faultline: cannot write %s\n", path.c_str());
}

// A run's point as CI and the page name it: "queue=50" or "queue=50,rate=100".
std::string point_name(const ex::Spec& s, const nlohmann::json& r) {
  auto last = [](const std::string& k) { return k.substr(k.rfind('.') + 1); };
  std::string n = last(s.x.key) + "=" + ex::set_value(s.x, r.value("x", 0.0));
  if (s.y) n += "," + last(s.y->key) + "=" + ex::set_value(*s.y, r.value("y", 0.0));
  return n;
}

}  // namespace

int cmd_explore(const ExploreArgs& a) {
  const auto src = read_or_die(a.file);
  const auto base = load_or_die(src, a.set);
  if (a.vary.empty() || a.vary.size() > 2)
    fail(Failure::kBadInput, "explore takes one or two --vary KEY=LO..HI (" + std::to_string(a.vary.size()) + " given)");
  ex::Spec spec;
  spec.x = parse_vary(a.vary[0], src, a.set);
  if (a.vary.size() == 2) {
    spec.y = parse_vary(a.vary[1], src, a.set);
    if (spec.y->key == spec.x.key) fail(Failure::kBadInput, "--vary: " + spec.x.key + " is given twice");
  }
  spec.repeat = a.repeat;
  spec.lines = a.lines;
  spec.budget = a.budget > 0 ? a.budget : (spec.y ? 8 * static_cast<int>(ex::line_values(spec).size()) : 12);
  check_junit_path(a.junit);
  const uint64_t seed0 = a.seed ? *a.seed : base.experiment.seed;

  // What defines the search; the budget is not in it, so that a finished or
  // budget-bound explore can be given more runs.
  const nlohmann::json args = {{"file", recorded_file(a.file)},
                               {"file_fnv1a", fingerprint(src.text)},
                               {"set", a.set},
                               {"x", ex::axis_json(spec.x)},
                               {"y", spec.y ? ex::axis_json(*spec.y) : nlohmann::json(nullptr)},
                               {"lines", spec.y ? spec.lines : 0},
                               {"repeat", spec.repeat},
                               {"seed", seed0}};
  const std::string out = a.out.empty() ? default_out(base) : a.out;
  const std::string journal = out + "/" + ex::kJournalName;
  auto previous = ex::read_journal(journal);
  if (!previous.ok()) fail(Failure::kBadInput, "explore: " + previous.error().message());
  std::vector<nlohmann::json> runs;
  if (*previous) {
    const std::string diff = ex::first_difference((*previous)->args, args);
    if (!diff.empty())
      fail(Failure::kBadInput, "explore: " + out + " holds an explore with other arguments (" + diff +
                                   "); re-run with the same arguments to resume it, or give another --out");
    runs = (*previous)->runs;
  }
  require_root("explore");
  const auto probe = runtime::probe_kernel();
  const auto prediction = predictions(src, a.set, spec);

  std::error_code ec;
  fs::create_directories(out + "/runs", ec);
  if (ec) fail(input_failure(sys_error(ec.value(), "")), "explore: create " + out + "/runs: " + ec.message());
  if (!*previous) {
    const Status st = ex::start_journal(journal, args);
    if (!st.ok()) fail(input_failure(st.error()), "explore: " + st.error().message());
  } else {
    std::printf("resuming %s: %zu run%s already done\n", out.c_str(), runs.size(), runs.size() == 1 ? "" : "s");
  }

  const UniqueFd sfd = block_control_signals();
  const RunContext ctx{&src, a.file, probe, sfd.get(), a.quiet};
  auto write_outputs = [&](bool complete) {
    const auto doc = ex::explore_document(spec, args, runs, prediction, complete);
    write_or_warn(out + "/explore.json", doc.dump(2) + "\n");
    write_or_warn(out + "/explore.csv", ex::explore_csv(spec, runs));
    write_or_warn(out + "/explore.html", report::render_explore(doc));
    std::vector<experiment::JUnitRun> suites;
    for (const auto& r : runs) {
      auto s = report::read_summary(out + "/" + r.value("dir", std::string()) + "/summary.json");
      if (s.ok())
        suites.push_back({std::move(s.value()), "explore/" + point_name(spec, r) + "/" + std::to_string(r.value("repeat", 0))});
    }
    write_junit_file(a.junit, experiment::junit_xml(suites, "faultline explore"));
    return doc;
  };

  int interrupted = 0;
  for (auto p = ex::next_point(spec, ex::observations(runs)); p; p = ex::next_point(spec, ex::observations(runs))) {
    int repeat = 0;
    for (const auto& o : ex::observations(runs)) repeat += o.at == *p ? 1 : 0;
    char idx[16];
    std::snprintf(idx, sizeof idx, "%03zu", runs.size());
    const std::string dir = std::string("runs/") + idx;
    // A run the last explore was killed in: started again from nothing.
    fs::remove_all(out + "/" + dir, ec);
    std::vector<std::string> set = a.set;
    set.push_back(spec.x.key + "=" + ex::set_value(spec.x, p->x));
    if (spec.y) set.push_back(spec.y->key + "=" + ex::set_value(*spec.y, p->y));
    const uint64_t seed = seed0 + static_cast<uint64_t>(repeat);
    set.push_back("experiment.seed=" + std::to_string(seed));
    std::printf("== explore run %zu/%d: %s%s, repeat %d, seed %llu\n", runs.size() + 1, spec.budget,
                (spec.x.key + "=" + ex::set_value(spec.x, p->x)).c_str(),
                spec.y ? (", " + spec.y->key + "=" + ex::set_value(*spec.y, p->y)).c_str() : "", repeat + 1,
                static_cast<unsigned long long>(seed));
    std::fflush(stdout);
    const auto res = run_one(ctx, {set, out + "/" + dir, "", "", repeat});
    if (res.interrupted) {
      interrupted = 1;
      break;
    }
    // Recovered, or, where the file has expectations, passed them.
    const auto& v = res.summary["verdict"];
    const bool recovered = !v.contains("recovered") || !v["recovered"].is_boolean() || v["recovered"].get<bool>();
    const bool good = res.verdicts.empty() ? recovered : res.passed;
    nlohmann::json entry = {{"index", runs.size()},
                            {"x", p->x},
                            {"y", p->y},
                            {"repeat", repeat},
                            {"seed", seed},
                            {"good", good},
                            {"passed", res.passed},
                            {"recovered", v.value("recovered", nlohmann::json())},
                            {"metastable", v.value("metastable", false)},
                            {"headline", res.headline},
                            {"dir", dir},
                            {"report", dir + "/report.html"}};
    const Status st = ex::append_run(journal, entry);
    if (!st.ok()) fail(Failure::kRuntime, "explore: " + st.error().message());
    runs.push_back(std::move(entry));
    std::printf("  %s: %s\n", point_name(spec, runs.back()).c_str(), good ? "recovers" : "does not recover");
    write_outputs(false);
  }
  ex::Spec unbounded = spec;
  unbounded.budget = 1 << 30;
  const bool complete = !interrupted && !ex::next_point(unbounded, ex::observations(runs));
  const auto doc = write_outputs(complete);
  std::printf("%s\n", doc["verdict"].get<std::string>().c_str());
  if (!complete && !interrupted)
    std::printf("(the budget of %d runs ended the search; re-run with a larger --budget to continue)\n", spec.budget);
  std::printf("explored: %s/explore.html, explore.json, explore.csv\n", out.c_str());
  return interrupted ? exit_code(Failure::kRuntime) : 0;
}

}  // namespace faultline::cli
