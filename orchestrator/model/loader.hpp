// SPDX-License-Identifier: Apache-2.0
// TOML -> Topology. Validates everything that can be checked without root and
// without touching the kernel; every error names file:line:col, what is wrong
// and what is allowed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/model/topology.hpp"
#include "orchestrator/model/topology_source.hpp"

namespace faultline::model {

struct Diagnostic {
  SourceLoc loc;
  std::string message;  // what is wrong and what is allowed
  // "file:line:col: error: message"
  std::string str() const { return loc.str() + ": error: " + message; }
};

struct LoadResult {
  std::optional<Topology> topology;  // set only when errors is empty
  std::vector<Diagnostic> errors;
};

// `path` may be "-" (standard input, named <stdin>); see topology_source.hpp
// for what is read and what is refused.
LoadResult load_file(const std::string& path);
LoadResult load_string(std::string_view toml_text, const std::string& file_name);

// Applies `key=value` overrides (dotted TOML paths such as experiment.seed or
// node.api.cpu) before validation. Used by --set; errors name "--set:1:col".
LoadResult load_file_with_overrides(const std::string& path, const std::vector<std::string>& overrides);
// The same for a file already read (its text and the name errors give it).
LoadResult load_string_with_overrides(std::string_view toml_text, const std::string& file_name,
                                      const std::vector<std::string>& overrides);

// The two halves of load_file_with_overrides, for callers that load one text
// several times (standard input can be read only once). A source that cannot
// be read is one diagnostic at NAME:1:1.
std::optional<TopologySource> read_source(const std::string& path, std::vector<Diagnostic>& errors);
LoadResult load_source(const TopologySource& src, const std::vector<std::string>& overrides);
// One run of `faultline run`: the overrides (the command line's, then a
// variant's) applied, the file's [[variant]]s neither read nor checked again.
// The command checked them on the file as it read it; checked again with a
// variant's own overrides already applied, a variant that renames what it
// selects by (calls.db:5432.to=...) would no longer find it.
LoadResult load_source_for_run(const TopologySource& src, const std::vector<std::string>& overrides);

// Names that become kernel interface names are limited to this many characters.
inline constexpr size_t kMaxIfNameLen = 15;

}  // namespace faultline::model
