// SPDX-License-Identifier: Apache-2.0
// validate and lint: the topology checked by the loader (errors, exit 2),
// then judged on paper by the lint (findings: warnings; exit 1 with
// --strict). Pure, no root.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/lint/format.hpp"
#include "orchestrator/lint/json.hpp"
#include "orchestrator/lint/lint.hpp"
#include "orchestrator/plan/plan.hpp"

namespace faultline::cli {

namespace {

lint::LintResult lint_of(const model::Topology& t) {
  lint::LintOptions o;
  o.host_cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  // Without probing the kernel (which needs root and touches it) the links
  // are assumed to be the link engine's, whose CPU the estimate then counts.
  o.userspace_engine = t.experiment.backend != model::Backend::kKernel;
  return lint::lint(t, o);
}

size_t critical(const std::vector<lint::Finding>& findings) {
  size_t n = 0;
  for (const auto& f : findings) n += f.severity == lint::Severity::kCritical ? 1 : 0;
  return n;
}

// "3 findings (1 critical)"
std::string count_of(const std::vector<lint::Finding>& findings) {
  if (findings.empty()) return "no findings";
  return std::to_string(findings.size()) + " finding" + (findings.size() == 1 ? "" : "s") + " (" +
         std::to_string(critical(findings)) + " critical)";
}

int exit_for(const std::vector<lint::Finding>& findings, bool strict) {
  return strict && !findings.empty() ? exit_code(Failure::kExpectation) : 0;
}

nlohmann::json cpu_json(const lint::CpuEstimate& c, long cpus) {
  return {{"cores", std::round(c.cores * 100) / 100}, {"host_cpus", cpus}, {"breakdown", c.breakdown}};
}

// "svc  140 req/s  200 req/s  70%  27.1 ms  110 ms  1 (1)"
void print_predictions(const lint::LintResult& r) {
  using lint::fmt_num;
  using lint::fmt_pct;
  using lint::fmt_rps;
  using lint::fmt_s;
  std::printf("\npredictions (each service an M/M/c queue; the loads at their baseline rates):\n");
  std::printf("  %-20s %14s %14s %7s %10s %10s  %s\n", "SERVICE", "OFFERED", "CAPACITY", "UTIL", "MEAN", "P99",
              "WORST-CASE ATTEMPTS (CAPPED)");
  for (const auto& s : r.predictions.services)
    std::printf("  %-20s %14s %14s %7s %10s %10s  %s (%s)\n", s.name.c_str(), fmt_rps(s.offered_rps).c_str(),
                std::isfinite(s.capacity_rps) ? fmt_rps(s.capacity_rps).c_str() : "unbounded",
                fmt_pct(s.utilisation).c_str(), s.mean_s ? fmt_s(*s.mean_s).c_str() : "-",
                s.p99_s ? fmt_s(*s.p99_s).c_str() : "-", fmt_num(s.worst_attempts).c_str(),
                fmt_num(s.capped_attempts).c_str());
  for (const auto& l : r.predictions.loads) {
    std::printf("  load:%s %s (peak %s)", l.node.c_str(), fmt_rps(l.rate_rps).c_str(), fmt_rps(l.peak_rps).c_str());
    if (l.vulnerable_above_rps)
      std::printf(": vulnerable above %s (%s's capacity over the attempts each request can bring it)",
                  fmt_rps(*l.vulnerable_above_rps).c_str(), l.bottleneck.c_str());
    std::printf("\n");
  }
  std::printf("  CPU: about %s cores at the peak\n", fmt_num(r.cpu.cores).c_str());
}

}  // namespace

int cmd_validate(const LintArgs& a) {
  const auto src = read_or_die(a.file, a.json);
  const auto t = load_or_die(src, a.set, a.json);
  const auto p = plan::make_plan(t, "validate");
  const auto r = lint_of(t);
  if (a.json) {
    const nlohmann::json out = {{"file", src.name},
                                {"ok", true},
                                {"nodes", t.nodes.size()},
                                {"links", t.links.size()},
                                {"segments", t.segments.size()},
                                {"faults", t.faults.size()},
                                {"namespaces", p.namespaces.size()},
                                {"veth_pairs", p.veths.size()},
                                {"routes", p.routes.size()},
                                {"findings", lint::findings_json(r.findings)}};
    std::printf("%s\n", out.dump(2).c_str());
    return exit_for(r.findings, a.strict);
  }
  for (const auto& f : r.findings) std::fprintf(stderr, "%s\n", f.str().c_str());
  std::printf("%s: ok: %zu nodes, %zu links, %zu segments, %zu faults; %zu namespaces, %zu veth pairs, %zu routes%s\n",
              src.name.c_str(), t.nodes.size(), t.links.size(), t.segments.size(), t.faults.size(),
              p.namespaces.size(), p.veths.size(), p.routes.size(),
              r.findings.empty() ? "" : ("; lint: " + count_of(r.findings) + " (above; `faultline lint` predicts)").c_str());
  return exit_for(r.findings, a.strict);
}

int cmd_lint(const LintArgs& a) {
  const auto src = read_or_die(a.file, a.json);
  const auto t = load_or_die(src, a.set, a.json);
  const auto r = lint_of(t);
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (a.json) {
    const nlohmann::json out = {{"file", src.name},
                                {"ok", true},
                                {"findings", lint::findings_json(r.findings)},
                                {"predictions", lint::predictions_json(r.predictions)},
                                {"cpu_estimate", cpu_json(r.cpu, cpus)}};
    std::printf("%s\n", out.dump(2).c_str());
    return exit_for(r.findings, a.strict);
  }
  for (const auto& f : r.findings) std::printf("%s\n", f.str().c_str());
  print_predictions(r);
  std::printf("%s: %s\n", src.name.c_str(), count_of(r.findings).c_str());
  return exit_for(r.findings, a.strict);
}

}  // namespace faultline::cli
