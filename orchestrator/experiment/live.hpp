// SPDX-License-Identifier: Apache-2.0
// A running experiment as it stands now, for `faultline watch` and the live
// page. Both `faultline run` and the owner of `faultline up` collect every
// tick; after each tick they turn what was collected so far into:
//   - `now`: the present moment in brief (each service's request rate,
//     errors, p99, queue, open breakers and health; each node's CPU and
//     memory against its limits, its CPU throttling and run-queue wait;
//     the flow view's node pairs with traffic or trouble on the wire; the
//     faults in force with their remaining time; the order in which
//     services went bad), which the owner writes
//     to the run's state folder as live.json for `faultline watch`;
//   - `page`: the report's own data (summary.json as if the run ended now,
//     its series and events), which the live page draws with the report's
//     script.
// Health is the analysis' rule (analysis/requests.hpp) over the request
// records so far, against the baseline phase of the file's [experiment], as
// after a run. Pure: no clock, no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/experiment/records.hpp"
#include "orchestrator/experiment/results.hpp"
#include "orchestrator/experiment/series_store.hpp"
#include "orchestrator/model/topology.hpp"
#include "orchestrator/runtime/cgroup.hpp"

namespace faultline::experiment {

struct LiveInput {
  const model::Topology* topo = nullptr;
  std::string run;
  std::string source;  // "run" (an experiment's timeline) or "up" (faults typed live)
  const SeriesStore* store = nullptr;
  const std::map<std::string, RecordSource>* records = nullptr;  // null: none
  std::map<std::string, uint64_t> ended;  // per source: processes of its node that ended (ended_per_source)
  int64_t t0_ns = 0;   // CLOCK_MONOTONIC at t = 0
  double now_s = 0;
  std::string phase;
  // Every fault so far: applied_s once in force, reverted_s once over. A
  // fault of `up` has no planned length (for_s 0 and never reverted: open).
  std::vector<FaultRecord> faults;
  bool planned_lengths = true;  // false for `up`: for_s means nothing
  std::map<std::string, runtime::CgroupLimits> limits;  // by node, as now in force
  const std::vector<nlohmann::json>* events = nullptr;
  std::string page_url;  // "" when the run serves no page
};

struct LiveData {
  nlohmann::json now;
  nlohmann::json page;  // {summary, series, events, now}
};

LiveData live_data(const LiveInput& in);

// The report's columnar series ({t, series: [{m, n, s, v}]}, report/series.hpp)
// straight from the store.
nlohmann::json columnar(const SeriesStore& store);

}  // namespace faultline::experiment
