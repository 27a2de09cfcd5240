// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/cli/run_one.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/cli/owner.hpp"
#include "orchestrator/report/report.hpp"

namespace faultline::cli {

UniqueFd block_control_signals() {
  const sigset_t sigs = control_signals();
  sigprocmask(SIG_BLOCK, &sigs, nullptr);
  UniqueFd sfd(::signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sfd.valid()) fail(Failure::kRuntime, "signalfd: " + std::string(strerror(errno)));
  return sfd;
}

experiment::RunnerResult run_one(const RunContext& ctx, const OneRun& r) {
  const auto topo = load_run_or_die(*ctx.src, r.set);
  const std::string run = choose_run_name(topo, r.name);
  std::vector<std::string> missing;
  experiment::RunnerOptions o;
  o.out_dir = r.out_dir;
  o.run_name = run;
  o.file = recorded_file(ctx.file);
  o.variant = r.variant;
  o.repeat = r.repeat;
  o.overrides = r.set;
  o.plan = plan_options(topo, run, ctx.probe.has(runtime::KernelFeature::kSchNetem), missing);
  if (!missing.empty()) {
    for (const auto& m : missing) std::fprintf(stderr, "faultline: %s\n", m.c_str());
    fail(Failure::kEnvironment, "workload binaries are missing; build them (make) first");
  }
  o.probe = ctx.probe;
  o.progress_tty = ::isatty(STDOUT_FILENO) && !ctx.quiet;
  o.signal_fd = ctx.signal_fd;
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
  if (const auto& rec = res->summary["records"]; rec.is_object() && rec.value("complete", true) == false) {
    std::string why;
    auto part = [&](const char* key, const std::string& what) {
      if (const auto n = rec.value(key, 0ULL)) why += (why.empty() ? "" : ", ") + std::to_string(n) + " " + what;
    };
    part("unsampled", "not sampled (experiment.trace_rps)");
    part("dropped", "dropped by full buffers");
    part("forgotten", "let go (experiment.live_records)");
    part("ended", "processes ended with their unpulled records (kills, restarts)");
    std::printf("  health judged from part of the requests: %llu spans recorded; %s\n", rec.value("spans", 0ULL),
                why.c_str());
  }
  std::printf("results: %s%s\n", o.out_dir.c_str(), rep.ok() ? " (open report.html)" : "");
  std::fflush(stdout);
  return std::move(res.value());
}

void check_junit_path(const std::string& path) {
  if (path.empty()) return;
  const auto dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    fail(Failure::kBadInput, "--junit: " + dir.string() + " is not a directory (" + path + " goes there)");
}

void write_junit_file(const std::string& path, const std::string& xml) {
  if (path.empty()) return;
  std::ofstream f(path, std::ios::trunc);
  if (!f || !(f << xml) || !f.flush()) fail(input_failure(sys_error("create " + path)), "--junit: create " + path);
}

}  // namespace faultline::cli
