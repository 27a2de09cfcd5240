// SPDX-License-Identifier: Apache-2.0
// faultline: build a topology of namespaced nodes, impair it, measure how
// failure spreads. main() parses the command line and is the only place the
// one fatal exception type is caught.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "base/result.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"

using namespace faultline;

int main(int argc, char** argv) {
  CLI::App app{"faultline: a network-level failure-propagation testbed on one Linux box"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("faultline ") + FAULTLINE_VERSION);

  std::string file, name, run, node, log_dir;
  std::vector<std::string> set, cmd;
  bool foreground = false, verbose = false;

  cli::LintArgs la;
  auto* validate = app.add_subcommand("validate", "check a topology file, and print the lint's findings (no root needed)");
  auto* lintc = app.add_subcommand("lint", "what is wrong with a configuration on paper: capacity, Erlang C latency, "
                                           "timeout budgets, retry amplification, metastability, slips (no root)");
  for (auto* c : {validate, lintc}) {
    c->add_option("file", la.file, "topology TOML file")->required();
    c->add_option("--set", la.set, "override a key: section.key=value (repeatable)");
    c->add_flag("--strict", la.strict, "exit with 1 when the lint finds anything");
    c->add_flag("--json", la.json, "print one JSON document (findings, and for lint the predictions)");
  }

  bool json = false;
  auto* plan = app.add_subcommand("plan", "print every kernel object and process `up` would create (no root)");
  plan->add_option("file", file, "topology TOML file")->required();
  plan->add_option("--name", name, "run name (default: from the experiment name)");
  plan->add_option("--set", set, "override a key: section.key=value (repeatable)");
  plan->add_flag("--json", json, "print the plan as one JSON document");

  auto* up = app.add_subcommand("up", "bring a topology up; it stays up until `faultline down RUN`");
  up->add_option("file", file, "topology TOML file")->required();
  up->add_option("--name", name, "run name (default: from the experiment name)");
  up->add_option("--set", set, "override a key: section.key=value (repeatable)");
  up->add_flag("--foreground", foreground, "stay in the foreground; Ctrl-C takes the run down");
  up->add_option("--logs", log_dir, "folder for node logs (default /var/log/faultline/RUN)");
  up->add_flag("-v,--verbose", verbose, "print phase timings");

  auto* status = app.add_subcommand("status", "list runs, or show one run's nodes");
  status->add_option("run", run, "run name");
  status->add_flag("--json", json, "print one JSON document");

  auto* exec = app.add_subcommand("exec", "run a command (default: a shell) inside a node");
  exec->add_option("run", run, "run name")->required();
  exec->add_option("node", node, "node name")->required();
  exec->add_option("cmd", cmd, "command and arguments (after --)");

  auto* down = app.add_subcommand("down", "take a run down and remove everything it created");
  down->add_option("run", run, "run name")->required();

  bool clear = false;
  std::vector<std::string> fault_args;
  auto* fault = app.add_subcommand("fault", "impair, partition or heal a live run (see docs/faults.md)");
  fault->add_option("run", run, "run name")->required();
  fault->add_flag("--clear", clear, "put the target back as planned (TARGET or all)");
  // Everything after RUN is the fault itself, passed through untouched, so
  // that "-/->" is not taken for an option.
  fault->prefix_command();
  fault->footer("FAULT: link:A-B KEY=VALUE... | link:A-B oneway KEY=VALUE... (A to B only) | segment:S KEY=VALUE... |\n"
                "       partition A[,B] to C[,D] [tcp|udp|icmp[:PORTS]] [flap=ON/OFF] | partition A and B |\n"
                "       heal [ID] | list        (see docs/faults.md)");

  cli::RunArgs ra;
  uint64_t seed = 0;
  auto* runc = app.add_subcommand("run", "run an experiment: up, warm-up, baseline, faults, recovery, down; "
                                         "results and report.html in --out");
  runc->add_option("file", ra.file, "topology TOML file")->required();
  runc->add_option("--out", ra.out, "results folder (default results/NAME-TIME)");
  auto* seed_opt = runc->add_option("--seed", seed, "seed (default: experiment.seed); repeats use seed+1, ...");
  runc->add_option("--set", ra.set, "override a key: section.key=value (repeatable)");
  runc->add_option("--repeat", ra.repeat, "run each variant N times with different seeds")->check(CLI::Range(1, 1000));
  runc->add_option("--variant", ra.variant, "run only this [[variant]]");
  runc->add_option("--name", ra.name, "run name (default: from the experiment name)");
  runc->add_flag("-q,--quiet", ra.quiet, "no live status line");
  runc->add_option("--junit", ra.junit, "also write the expectations as JUnit XML to this file");

  cli::CompareArgs ca;
  auto* compare = app.add_subcommand("compare", "compare the variants and repeats of a results folder");
  compare->add_option("dir", ca.dir, "results folder of `faultline run`")->required();
  compare->add_flag("--json", ca.json, "print the table as one JSON document");
  compare->add_option("--junit", ca.junit, "also write every run's expectations as JUnit XML to this file");

  cli::ExploreArgs ea;
  uint64_t explore_seed = 0;
  auto* explore = app.add_subcommand("explore", "find where a configuration stops recovering: an adaptive search over "
                                                "one or two --set keys; explore.html, .json, .csv in --out");
  explore->add_option("file", ea.file, "topology TOML file")->required();
  explore->add_option("--vary", ea.vary, "KEY=LO..HI: a --set key and its range (once or twice)")->required();
  explore->add_option("--set", ea.set, "override a key: section.key=value (repeatable)");
  explore->add_option("--repeat", ea.repeat, "runs at each point that brackets the boundary (default 3)")
      ->check(CLI::Range(1, 100));
  explore->add_option("--budget", ea.budget, "runs in all (default 12; 8 per line with two --vary)")
      ->check(CLI::Range(1, 10000));
  explore->add_option("--lines", ea.lines, "values of the second --vary key (default 5)")->check(CLI::Range(2, 50));
  explore->add_option("--out", ea.out, "folder (default results/NAME-explore-TIME); the same folder resumes");
  auto* explore_seed_opt = explore->add_option("--seed", explore_seed, "seed (default: experiment.seed); repeats add 1, ...");
  explore->add_flag("-q,--quiet", ea.quiet, "no live status line");
  explore->add_option("--junit", ea.junit, "also write every run's expectations as JUnit XML to this file");

  std::string report_dir;
  auto* reportc = app.add_subcommand("report", "write report.html again from a results folder");
  reportc->add_option("dir", report_dir, "results folder of `faultline run`")->required();

  cli::TracesArgs ta;
  double from_s = 0, to_s = 0;
  auto* traces = app.add_subcommand("traces", "a run's request records as OTLP/JSON (Jaeger, Grafana Tempo)");
  traces->add_option("dir", ta.dir, "results folder of `faultline run`")->required();
  traces->add_option("--out", ta.out, "where to write (default DIR/traces.otlp.json)");
  auto* from_opt = traces->add_option("--from", from_s, "only spans that start at or after this (s since the start)");
  auto* to_opt = traces->add_option("--to", to_s, "only spans that start before this (s since the start)");

  cli::WatchArgs wa;
  auto* watch = app.add_subcommand("watch", "a live run in the terminal: services, nodes, faults, what is spreading");
  watch->add_option("run", wa.run, "run name (faultline status lists them)")->required();
  watch->add_flag("--once", wa.once, "print one block and exit");
  watch->add_option("--interval", wa.interval_s, "seconds between refreshes (default 1)")->check(CLI::Range(0.2, 60.0));

  std::string new_name, new_dir = ".";
  auto* newc = app.add_subcommand("new", "write NAME.toml, a commented starting topology (never overwrites)");
  newc->add_option("name", new_name, "experiment name: [a-z0-9][a-z0-9-]*")->required();
  newc->add_option("--dir", new_dir, "folder to write it in (default: the current one)");

  app.add_subcommand("cleanup", "remove what runs whose owner died left behind (from their state files only)");
  app.add_subcommand("doctor", "probe the kernel and say which backend each feature uses");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : cli::exit_code(cli::Failure::kBadInput);
  }

  try {
    const std::string sub = app.get_subcommands().front()->get_name();
    if (sub == "validate") return cli::cmd_validate(la);
    if (sub == "lint") return cli::cmd_lint(la);
    if (sub == "plan") return cli::cmd_plan(file, name, set, json);
    if (sub == "up") return cli::cmd_up({file, name, set, foreground, log_dir, verbose});
    if (sub == "status") return cli::cmd_status(run, json);
    if (sub == "exec") return cli::cmd_exec(run, node, cmd);
    if (sub == "down") return cli::cmd_down(run);
    if (sub == "cleanup") return cli::cmd_cleanup();
    if (sub == "fault") return cli::cmd_fault(run, fault->remaining(), clear);
    if (sub == "doctor") return cli::cmd_doctor();
    if (sub == "watch") return cli::cmd_watch(wa);
    if (sub == "new") return cli::cmd_new(new_name, new_dir);
    if (sub == "run") {
      if (seed_opt->count() > 0) ra.seed = seed;
      return cli::cmd_run(ra);
    }
    if (sub == "compare") return cli::cmd_compare(ca);
    if (sub == "explore") {
      if (explore_seed_opt->count() > 0) ea.seed = explore_seed;
      return cli::cmd_explore(ea);
    }
    if (sub == "report") return cli::cmd_report(report_dir);
    if (sub == "traces") {
      if (from_opt->count() > 0) ta.from_s = from_s;
      if (to_opt->count() > 0) ta.to_s = to_s;
      return cli::cmd_traces(ta);
    }
    return cli::exit_code(cli::Failure::kBadInput);
  } catch (const FatalError& e) {
    std::fprintf(stderr, "faultline: %s\n", e.what());
    return e.exit_code();
  }
}
