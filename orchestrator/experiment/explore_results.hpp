// SPDX-License-Identifier: Apache-2.0
// What `faultline explore` writes: explore.json (the arguments, every run
// with its verdict and report, the boundary of each line with its 95%
// interval, the lint's prediction), explore.csv (one row per run) and the
// verdict line it prints. explore.html is drawn from explore.json
// (report/explore_page.hpp).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/experiment/explore_search.hpp"

namespace faultline::experiment::explore {

// The lint's figure for the boundary, when the varied key has one: the
// load rate above which the configuration is vulnerable, the largest safe
// queue bound.
struct Predicted {
  double value = 0;
  std::string what;  // "vulnerable above", "safe up to a queue of"
  std::string source;  // the finding or prediction it comes from
};

// The lint's figure for each line, in line_values order: with a second key
// the figure can move with it (a retry count changes the vulnerable rate).
// One entry stands for every line; none, for no figure.
using LinePredictions = std::vector<std::optional<Predicted>>;

// The figure of the line at index i (of line_values).
std::optional<Predicted> line_prediction(const LinePredictions& p, size_t i);

// Axis as JSON ({key, lo, hi, integer, suffix}) and back.
nlohmann::json axis_json(const Axis& a);

// A value of an axis as --set writes it: "50", "0.25", "5s".
std::string set_value(const Axis& a, double v);

// "req/s" for a load's rate, the axis' suffix otherwise, or "".
std::string unit_of(const Axis& a);

// The verdict of one line in one sentence: "recovers from this trigger up to
// 50 (49-51, 95%)"; with y, prefixed by "at KEY=Y: ".
std::string verdict_line(const Spec& s, double y, const Boundary& b, const std::optional<Predicted>& p);

// The observations (point and verdict) of journal runs.
std::vector<Observation> observations(const std::vector<nlohmann::json>& runs);

// explore.json: each line with its own `predicted`; the top-level one is
// the figure every line shares, or null when they differ.
nlohmann::json explore_document(const Spec& s, const nlohmann::json& args, const std::vector<nlohmann::json>& runs,
                                const LinePredictions& p, bool complete);

// explore.csv: one row per run.
std::string explore_csv(const Spec& s, const std::vector<nlohmann::json>& runs);

}  // namespace faultline::experiment::explore
