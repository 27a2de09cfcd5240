// SPDX-License-Identifier: Apache-2.0
// What makes a summary.json one: the fields `faultline report` and
// `faultline compare` read to tell which run it was and how it ended. An
// empty object, or the summary of something else, is refused naming the
// file and the first missing or mistyped field, instead of being counted as
// a run (compare) or drawn as an empty page (report).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/result.hpp"

namespace faultline::report {

// Pure. Required: experiment.name (string), verdict (object), passed
// (boolean). Checked when present: experiment.variant (string),
// experiment.interrupted (boolean), verdict.collapsed and verdict.recovered
// (boolean or null). Errors are logic errors "FILE: ...".
Status check_summary(const nlohmann::json& summary, const std::string& file);

// Reads and checks FILE (a summary.json): a missing file keeps its errno
// (ENOENT), anything unreadable or malformed is an error naming the file.
Result<nlohmann::json> read_summary(const std::string& file);

}  // namespace faultline::report
