// SPDX-License-Identifier: Apache-2.0
// `faultline run FILE`: the experiment from up to results, once per variant
// and repeat; `faultline compare DIR`: the table of a finished set of runs.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>

#include "base/atomic_file.hpp"
#include "base/fd.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/cli/owner.hpp"
#include "orchestrator/cli/run_one.hpp"
#include "orchestrator/experiment/compare.hpp"
#include "orchestrator/experiment/junit.hpp"
#include "orchestrator/experiment/results.hpp"
#include "orchestrator/experiment/runner.hpp"
#include "orchestrator/report/report.hpp"
#include "orchestrator/report/summary_check.hpp"
#include "orchestrator/runtime/probe.hpp"

namespace faultline::cli {

namespace fs = std::filesystem;

namespace {

std::string default_out(const model::Topology& t) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return "results/" + t.experiment.name + "-" + stamp;
}

// Every summary.json under dir, each checked to be one (a folder holding
// something else is refused, never counted as a run).
std::vector<nlohmann::json> read_summaries(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    fail(Failure::kBadInput, dir + " is not a results folder of `faultline run` (" +
                                 (fs::exists(dir, ec) ? "not a directory" : "no such directory") + ")");
  std::vector<fs::path> paths;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->path().filename() == "summary.json") paths.push_back(it->path());
  if (ec) fail(input_failure(sys_error(ec.value(), "")), "compare: read " + dir + ": " + ec.message());
  if (paths.empty()) fail(Failure::kBadInput, "no summary.json under " + dir + ": not a results folder of `faultline run`");
  std::sort(paths.begin(), paths.end());
  std::vector<nlohmann::json> out;
  std::optional<Error> first;
  for (const auto& p : paths) {
    auto s = report::read_summary(p.string());
    if (s.ok()) {
      out.push_back(std::move(s.value()));
      continue;
    }
    std::fprintf(stderr, "faultline: %s\n", s.error().message().c_str());
    if (!first) first = s.error();
  }
  if (first)
    fail(input_failure(*first), "compare: " + std::to_string(paths.size() - out.size()) + " of " +
                                    std::to_string(paths.size()) + " summaries refused (above); nothing compared");
  return out;
}

void print_compare(const std::string& dir, const std::vector<nlohmann::json>& summaries, bool json) {
  const auto rows = experiment::compare_summaries(summaries);
  const std::string table = experiment::render_table(rows);
  if (json)
    std::printf("%s\n", experiment::render_json(rows).dump(2).c_str());
  else
    std::fputs(table.c_str(), stdout);
  const Status a = write_file_atomic(dir + "/compare.txt", table);
  const Status b = write_file_atomic(dir + "/compare.csv", experiment::render_csv(rows));
  if (a.ok() && b.ok() && !json) std::printf("table: %s/compare.txt, %s/compare.csv\n", dir.c_str(), dir.c_str());
}

// --junit FILE: the runs' expectations for a CI system; a file that cannot
// be written fails the verb (the message names it).
void write_junit(const std::string& path, const std::vector<nlohmann::json>& summaries) {
  if (!path.empty()) write_junit_file(path, experiment::junit_xml(summaries));
}

}  // namespace

int cmd_run(const RunArgs& a) {
  // Read once: standard input ("-") cannot be read again for each run.
  const auto src = read_or_die(a.file);
  const auto base = load_or_die(src, a.set);
  require_root("run");
  const auto probe = runtime::probe_kernel();

  std::vector<model::Variant> variants = base.variants;
  if (!a.variant.empty()) {
    std::erase_if(variants, [&](const model::Variant& v) { return v.name != a.variant; });
    if (variants.empty()) fail(Failure::kBadInput, "no [[variant]] named '" + a.variant + "' in " + src.name);
  }
  if (variants.empty()) variants.push_back({});
  // A --junit file that cannot be written is refused before the runs, not
  // after minutes of them.
  check_junit_path(a.junit);
  const int repeats = std::max(1, a.repeat);
  const bool many = variants.size() > 1 || repeats > 1;
  const uint64_t seed0 = a.seed ? *a.seed : base.experiment.seed;
  const std::string out_root = a.out.empty() ? default_out(base) : a.out;

  const UniqueFd sfd = block_control_signals();
  const RunContext ctx{&src, a.file, probe, sfd.get(), a.quiet};

  int code = 0;
  // This invocation's runs only: an --out folder used before may hold others.
  std::vector<nlohmann::json> summaries;
  for (const auto& v : variants) {
    for (int r = 0; r < repeats; ++r) {
      std::vector<std::string> set = a.set;
      set.insert(set.end(), v.set.begin(), v.set.end());
      set.push_back("experiment.seed=" + std::to_string(seed0 + static_cast<uint64_t>(r)));
      const std::string out_dir =
          many ? out_root + "/" + (v.name.empty() ? "base" : v.name) + "/" + std::to_string(r) : out_root;
      if (many)
        std::printf("== %s%sseed %llu\n", v.name.empty() ? "" : ("variant " + v.name + ", ").c_str(),
                    repeats > 1 ? ("repeat " + std::to_string(r + 1) + "/" + std::to_string(repeats) + ", ").c_str() : "",
                    static_cast<unsigned long long>(seed0 + r));
      const auto res = run_one(ctx, {set, out_dir, many ? "" : a.name, v.name, r});
      summaries.push_back(res.summary);
      if (res.interrupted) {
        write_junit(a.junit, summaries);
        return exit_code(Failure::kRuntime);
      }
      if (!res.passed) code = exit_code(Failure::kExpectation);
    }
  }
  if (many) print_compare(out_root, summaries, false);
  write_junit(a.junit, summaries);
  return code;
}

int cmd_compare(const CompareArgs& a) {
  const auto summaries = read_summaries(a.dir);
  print_compare(a.dir, summaries, a.json);
  write_junit(a.junit, summaries);
  return 0;
}

}  // namespace faultline::cli
