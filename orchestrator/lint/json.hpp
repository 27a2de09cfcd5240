// SPDX-License-Identifier: Apache-2.0
// The lint's results as JSON: findings for `--json`, predictions for
// `lint --json` and summary.json (docs/results.md, `predictions`).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "orchestrator/lint/finding.hpp"
#include "orchestrator/lint/predict.hpp"

namespace faultline::lint {

// [{"file", "line", "col", "check", "severity", "message", "fix", "services", "figures"}]
nlohmann::json findings_json(const std::vector<Finding>& findings);

// {"model": "M/M/c", "services": {name: {...}}, "loads": {node: {...}}};
// a figure that does not exist (no Erlang C figure for an overloaded
// service, no bound) is null.
nlohmann::json predictions_json(const Predictions& p);

}  // namespace faultline::lint
