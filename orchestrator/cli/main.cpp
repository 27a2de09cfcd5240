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

  auto* validate = app.add_subcommand("validate", "check a topology file (no root needed)");
  validate->add_option("file", file, "topology TOML file")->required();
  validate->add_option("--set", set, "override a key: section.key=value (repeatable)");

  auto* plan = app.add_subcommand("plan", "print every kernel object and process `up` would create (no root)");
  plan->add_option("file", file, "topology TOML file")->required();
  plan->add_option("--name", name, "run name (default: from the experiment name)");
  plan->add_option("--set", set, "override a key: section.key=value (repeatable)");

  auto* up = app.add_subcommand("up", "bring a topology up; it stays up until `faultline down RUN`");
  up->add_option("file", file, "topology TOML file")->required();
  up->add_option("--name", name, "run name (default: from the experiment name)");
  up->add_option("--set", set, "override a key: section.key=value (repeatable)");
  up->add_flag("--foreground", foreground, "stay in the foreground; Ctrl-C takes the run down");
  up->add_option("--logs", log_dir, "folder for node logs (default /var/log/faultline/RUN)");
  up->add_flag("-v,--verbose", verbose, "print phase timings");

  auto* status = app.add_subcommand("status", "list runs, or show one run's nodes");
  status->add_option("run", run, "run name");

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

  std::string compare_dir;
  auto* compare = app.add_subcommand("compare", "compare the variants and repeats of a results folder");
  compare->add_option("dir", compare_dir, "results folder of `faultline run`")->required();

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
    if (sub == "validate") return cli::cmd_validate(file, set);
    if (sub == "plan") return cli::cmd_plan(file, name, set);
    if (sub == "up") return cli::cmd_up({file, name, set, foreground, log_dir, verbose});
    if (sub == "status") return cli::cmd_status(run);
    if (sub == "exec") return cli::cmd_exec(run, node, cmd);
    if (sub == "down") return cli::cmd_down(run);
    if (sub == "cleanup") return cli::cmd_cleanup();
    if (sub == "fault") return cli::cmd_fault(run, fault->remaining(), clear);
    if (sub == "doctor") return cli::cmd_doctor();
    if (sub == "run") {
      if (seed_opt->count() > 0) ra.seed = seed;
      return cli::cmd_run(ra);
    }
    if (sub == "compare") return cli::cmd_compare(compare_dir);
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
