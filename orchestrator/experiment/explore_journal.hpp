// SPDX-License-Identifier: Apache-2.0
// The journal of a `faultline explore`, in its out folder
// (explore.journal.jsonl): a first line with the arguments that define the
// search, then one line per finished run. A killed explore leaves at most a
// torn last line, which is dropped; re-run with the same arguments, it reuses
// every finished run (the search is a pure function of their verdicts) and
// continues. Different arguments are refused, naming the first that differs.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace faultline::experiment::explore {

inline constexpr const char* kJournalName = "explore.journal.jsonl";

struct Journal {
  nlohmann::json args;               // the header's arguments
  std::vector<nlohmann::json> runs;  // one object per finished run, in order
};

// The journal at path; none when there is no file. A line that is not JSON
// is accepted only as the last one (a write cut short), and dropped.
Result<std::optional<Journal>> read_journal(const std::string& path);

// The first key whose value differs between two argument objects,
// "key: was A, now B"; "" when they are the same.
std::string first_difference(const nlohmann::json& was, const nlohmann::json& now);

// Creates the journal with its header (replacing nothing: it must not exist).
Status start_journal(const std::string& path, const nlohmann::json& args);
// Appends one run and syncs it to disk before the next run starts.
Status append_run(const std::string& path, const nlohmann::json& run);

}  // namespace faultline::experiment::explore
