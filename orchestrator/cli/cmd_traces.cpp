// SPDX-License-Identifier: Apache-2.0
// faultline traces DIR: a run's request records (DIR/records.bin) as
// OTLP/JSON, the OpenTelemetry protocol's JSON encoding, which Jaeger and
// Grafana Tempo take (e.g. POST it to an OTLP/HTTP receiver's /v1/traces).
// Needs no root; writes one file.
#include <cstdio>
#include <fstream>
#include <string>

#include "base/atomic_file.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/experiment/records.hpp"
#include "orchestrator/experiment/traces.hpp"

namespace faultline::cli {

int cmd_traces(const TracesArgs& a) {
  const std::string summary_path = a.dir + "/summary.json";
  std::ifstream f(summary_path);
  if (!f) fail(Failure::kBadInput, summary_path + ": cannot be read; allowed: a results folder of `faultline run`");
  const auto summary = nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
  const nlohmann::json* phases = summary.is_object() && summary.contains("phases") ? &summary["phases"] : nullptr;
  if (!phases || !phases->is_object() || !(*phases).contains("t0_monotonic_ns") ||
      !(*phases)["t0_monotonic_ns"].is_number_integer() || !(*phases)["t0_unix_ns"].is_number_integer())
    fail(Failure::kBadInput, summary_path + ": no phases.t0_monotonic_ns / t0_unix_ns (a run of an older faultline, "
                                            "or not a summary)");
  auto records = experiment::read_records(a.dir + "/records.bin");
  if (!records.ok()) fail(input_failure(records.error()), records.error().message());
  const experiment::RunClock clock{(*phases)["t0_monotonic_ns"].get<int64_t>(), (*phases)["t0_unix_ns"].get<int64_t>()};
  const std::string name = summary.contains("experiment") && summary["experiment"].is_object()
                               ? summary["experiment"].value("name", "")
                               : "";
  const auto otlp = experiment::otlp_json(*records, experiment::service_addresses(summary), name, clock, a.from_s, a.to_s);
  const std::string out = a.out.empty() ? a.dir + "/traces.otlp.json" : a.out;
  const Status w = write_file_atomic(out, otlp.dump() + "\n");
  if (!w.ok()) fail(input_failure(w.error()), w.error().message());
  size_t spans = 0;
  for (const auto& r : otlp["resourceSpans"]) spans += r["scopeSpans"][0]["spans"].size();
  std::printf("%s: %zu spans of %zu workloads\n", out.c_str(), spans, otlp["resourceSpans"].size());
  return 0;
}

}  // namespace faultline::cli
