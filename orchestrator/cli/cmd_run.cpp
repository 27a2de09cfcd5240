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
#include "orchestrator/experiment/compare.hpp"
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

void print_compare(const std::string& dir, const std::vector<nlohmann::json>& summaries) {
  const auto rows = experiment::compare_summaries(summaries);
  const std::string table = experiment::render_table(rows);
  std::fputs(table.c_str(), stdout);
  const Status a = write_file_atomic(dir + "/compare.txt", table);
  const Status b = write_file_atomic(dir + "/compare.csv", experiment::render_csv(rows));
  if (a.ok() && b.ok()) std::printf("table: %s/compare.txt, %s/compare.csv\n", dir.c_str(), dir.c_str());
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
  const int repeats = std::max(1, a.repeat);
  const bool many = variants.size() > 1 || repeats > 1;
  const uint64_t seed0 = a.seed ? *a.seed : base.experiment.seed;
  const std::string out_root = a.out.empty() ? default_out(base) : a.out;

  // Ctrl-C, SIGTERM, SIGHUP: read by the runner between ticks, so that every
  // fault is reverted and the run taken down before the process ends.
  const sigset_t sigs = control_signals();
  sigprocmask(SIG_BLOCK, &sigs, nullptr);
  UniqueFd sfd(::signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sfd.valid()) fail(Failure::kRuntime, "signalfd: " + std::string(strerror(errno)));

  int code = 0;
  // This invocation's runs only: an --out folder used before may hold others.
  std::vector<nlohmann::json> summaries;
  for (const auto& v : variants) {
    for (int r = 0; r < repeats; ++r) {
      std::vector<std::string> set = a.set;
      set.insert(set.end(), v.set.begin(), v.set.end());
      set.push_back("experiment.seed=" + std::to_string(seed0 + static_cast<uint64_t>(r)));
      const auto topo = load_or_die(src, set);
      const std::string run = choose_run_name(topo, many || a.name.empty() ? "" : a.name);
      std::vector<std::string> missing;
      experiment::RunnerOptions o;
      o.out_dir = many ? out_root + "/" + (v.name.empty() ? "base" : v.name) + "/" + std::to_string(r) : out_root;
      o.run_name = run;
      o.file = recorded_file(a.file);
      o.variant = v.name;
      o.repeat = r;
      o.overrides = set;
      o.plan = plan_options(topo, run, probe.has(runtime::KernelFeature::kSchNetem), missing);
      if (!missing.empty()) {
        for (const auto& m : missing) std::fprintf(stderr, "faultline: %s\n", m.c_str());
        fail(Failure::kEnvironment, "workload binaries are missing; build them (make) first");
      }
      o.probe = probe;
      o.progress_tty = ::isatty(STDOUT_FILENO) && !a.quiet;
      o.signal_fd = sfd.get();
      if (many)
        std::printf("== %s%sseed %llu\n", v.name.empty() ? "" : ("variant " + v.name + ", ").c_str(),
                    repeats > 1 ? ("repeat " + std::to_string(r + 1) + "/" + std::to_string(repeats) + ", ").c_str() : "",
                    static_cast<unsigned long long>(seed0 + r));
      auto res = experiment::run_experiment(topo, o);
      if (!res.ok()) fail(Failure::kRuntime, "run: " + res.error().message());
      const Status rep = report::write_report(o.out_dir);
      if (!rep.ok()) std::fprintf(stderr, "faultline: report: %s\n", rep.error().message().c_str());
      std::printf("%s: %s\n", res->passed ? "PASS" : (res->interrupted ? "INTERRUPTED" : "FAIL"), res->headline.c_str());
      if (!res->analysis.propagation.empty()) {
        // "db +0.012s -> app +0.140s, api +0.152s": each service at its
        // onset after the first fault; a comma joins onsets within their
        // resolution (simultaneous as far as the requests tell).
        std::string order;
        double resolution = 0;
        bool ties = false;
        for (const auto& p : res->analysis.propagation) {
          char b[96];
          std::snprintf(b, sizeof b, "%s%s +%.3fs", order.empty() ? "" : (p.simultaneous ? ", " : " -> "),
                        p.service.c_str(), p.after_fault_s);
          order += b;
          ties = ties || p.simultaneous;
          resolution = std::max(resolution, p.resolution_s);
        }
        std::printf("  degraded in order: %s", order.c_str());
        if (ties) std::printf(" (a comma: within %.0f ms of each other, simultaneous)", resolution * 1000);
        std::printf("; largest amplification: %.3g attempts per organic request, %.3g per call\n",
                    res->analysis.max_cumulative_amplification, res->analysis.max_hop_amplification);
      }
      for (const auto& ver : res->verdicts)
        if (!ver.passed) std::printf("  expectation %s failed: %s\n", ver.name.c_str(), ver.detail.c_str());
      // Health verdicts from part of the requests say so.
      if (const auto& rec = res->summary["records"]; rec.is_object() && rec.value("complete", true) == false)
        std::printf("  health judged from sampled requests: %llu spans recorded, %llu not sampled (experiment.trace_rps), "
                    "%llu dropped by full buffers\n",
                    rec.value("spans", 0ULL), rec.value("unsampled", 0ULL), rec.value("dropped", 0ULL));
      std::printf("results: %s%s\n", o.out_dir.c_str(), rep.ok() ? " (open report.html)" : "");
      if (res->interrupted) return exit_code(Failure::kRuntime);
      if (!res->passed) code = exit_code(Failure::kExpectation);
      summaries.push_back(res->summary);
    }
  }
  if (many) print_compare(out_root, summaries);
  return code;
}

int cmd_compare(const std::string& dir) {
  const auto summaries = read_summaries(dir);
  print_compare(dir, summaries);
  return 0;
}

}  // namespace faultline::cli
