// SPDX-License-Identifier: Apache-2.0
// From what a run recorded to what it reports: the analysis input built from
// the series, and summary.json (docs/results.md describes every field).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "orchestrator/analysis/analysis.hpp"
#include "orchestrator/experiment/expectations.hpp"
#include "orchestrator/experiment/records.hpp"
#include "orchestrator/experiment/schedule.hpp"
#include "orchestrator/experiment/series_store.hpp"
#include "orchestrator/model/topology.hpp"
#include "orchestrator/runtime/probe.hpp"

namespace faultline::experiment {

struct FaultRecord {
  size_t index = 0;
  std::string target, what;
  double at_s = 0, for_s = 0;
  std::optional<double> applied_s, reverted_s;
  // A link fault's link: summary.json gives its two nodes, so that the
  // report matches the fault to the calls over it by node, not by text.
  std::optional<model::LinkId> link;
};

// The request records an analysis judges health from.
struct RequestData {
  const std::map<std::string, RecordSource>* records = nullptr;  // null: none
  int64_t t0_ns = 0;    // CLOCK_MONOTONIC at the experiment's start
  double end_s = 0;     // the end of the records (the loop's end)
};

analysis::Input analysis_input(const model::Topology& topo, const SeriesStore& store, const PhaseTicks& ph,
                               const Schedule& sched, const RequestData& req);

// The verdict in one line: "collapsed 4 s after the first fault; not recovered
// within 30 s (metastable)".
std::string headline(const analysis::Findings& a, bool any_fault, double horizon_s);

// What the host's CPUs did over the run (host_cpu_cores): a run whose
// workloads saturated the host may show the host's failures, not the faults'.
struct HostUse {
  double mean_cores = 0, max_cores = 0;   // NaN when nothing was measured
  size_t saturated_ticks = 0;             // ticks with >= 95% of the CPUs busy
  double first_saturated_s = -1;          // the first of them; -1: none
};
HostUse host_use(const SeriesStore& store, long cpus);

// summary.json's `host`: the kernel, its probed features and the backends
// chosen from them, the CPUs, the estimate of the CPU the run needs and what
// it used (docs/summary.schema.json).
nlohmann::json host_json(const runtime::Probe& probe, long cpus, double estimate_cores, const HostUse& use);

// The key figures of summary.json: goodput in the baseline and during the
// faults, offered load during them and their ratio.
nlohmann::json key_figures(const SeriesStore& store, const PhaseTicks& ph, bool any_fault);

struct SummaryInputs {
  const model::Topology* topo = nullptr;
  std::string file, variant, run;
  int repeat = 0;
  std::vector<std::string> overrides;
  nlohmann::json host;     // kernel, cpus, features, backends, cpu figures
  nlohmann::json figures;  // key figures: goodput during the fault, ...
  nlohmann::json phases;   // tick_s, warmup_end_s, baseline, first_fault_s, last_fault_end_s, end_s
  std::vector<FaultRecord> faults;
  const analysis::Findings* analysis = nullptr;
  const analysis::Thresholds* thresholds = nullptr;
  const std::vector<Verdict>* verdicts = nullptr;
  bool interrupted = false;
  bool any_fault = false;
  std::optional<double> first_fault_s;
  double horizon_s = 0;
  nlohmann::json records;  // what the health verdicts were computed from (records_summary)
  nlohmann::json traces;   // the first failed requests' traces (first_failed_traces)
  nlohmann::json flow;     // the flow view's spread (flow_summary); null: left out
};
nlohmann::json make_summary(const SummaryInputs& in);

Status write_json(const std::string& path, const nlohmann::json& j);

}  // namespace faultline::experiment
