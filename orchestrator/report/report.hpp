// SPDX-License-Identifier: Apache-2.0
// report.html: one self-contained page (inline CSS, inline JavaScript, the
// run's data embedded as JSON) that draws the topology coloured by when each
// service degraded, the time series with the faults shaded, the verdicts,
// expectations, amplification and propagation. It opens offline: nothing is
// fetched, and a Content-Security-Policy in the page forbids fetching.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace faultline::report {

// The page for one run (pure: no I/O). `summary` is summary.json,
// `timeseries_csv` the text of timeseries.csv (long form t,node,service,
// metric,value; may be empty), `events` the objects of events.jsonl.
// Missing or null fields are shown as absent, never an error.
std::string render_report(const nlohmann::json& summary, const std::string& timeseries_csv,
                          const std::vector<nlohmann::json>& events);

// Reads summary.json (required, and refused unless it is one: see
// summary_check.hpp), timeseries.csv and events.jsonl (optional) from
// `results_dir` and writes `results_dir`/report.html (atomically: a
// temporary file renamed into place).
Status write_report(const std::string& results_dir);

}  // namespace faultline::report
