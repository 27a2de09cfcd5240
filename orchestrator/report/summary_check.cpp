// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/report/summary_check.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/file.hpp"

namespace faultline::report {

using nlohmann::json;

namespace {

using TypeCheck = bool (*)(const json&);

bool is_string(const json& j) { return j.is_string(); }
bool is_object(const json& j) { return j.is_object(); }
bool is_boolean(const json& j) { return j.is_boolean(); }
bool is_boolean_or_null(const json& j) { return j.is_boolean() || j.is_null(); }

struct Field {
  const char* path;  // JSON pointer
  const char* what;  // the type, for the message
  TypeCheck ok;
  bool required;
};

constexpr Field kFields[] = {
    {"/experiment", "an object", is_object, true},
    {"/experiment/name", "a string", is_string, true},
    {"/experiment/variant", "a string", is_string, false},
    {"/experiment/interrupted", "a boolean", is_boolean, false},
    {"/verdict", "an object", is_object, true},
    {"/verdict/collapsed", "a boolean or null", is_boolean_or_null, false},
    {"/verdict/recovered", "a boolean or null", is_boolean_or_null, false},
    {"/passed", "a boolean", is_boolean, true},
};

// "/experiment/name" -> "experiment.name"
std::string dotted(const char* pointer) {
  std::string out(pointer + 1);
  for (char& c : out)
    if (c == '/') c = '.';
  return out;
}

constexpr size_t kMaxSummaryBytes = size_t{256} << 20;

}  // namespace

Status check_summary(const json& summary, const std::string& file) {
  const std::string not_one = file + " is not the summary of a `faultline run`: ";
  if (!summary.is_object()) return logic_error(not_one + "it is not a JSON object");
  for (const Field& f : kFields) {
    const json::json_pointer ptr(f.path);
    // The parent was checked first, so this lookup cannot throw.
    if (!summary.contains(ptr)) {
      if (f.required) return logic_error(not_one + "field '" + dotted(f.path) + "' (" + f.what + ") is missing");
      continue;
    }
    if (!f.ok(summary.at(ptr))) return logic_error(not_one + "field '" + dotted(f.path) + "' must be " + f.what);
  }
  return {};
}

Result<json> read_summary(const std::string& file) {
  auto read = read_file(file, kMaxSummaryBytes);
  if (!read.ok() && read.error().err == EFBIG)
    return logic_error(file + " is larger than any summary.json (256 MiB)");
  if (!read.ok()) return read.error();
  const std::string& text = *read;
  auto summary = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (summary.is_discarded()) return logic_error(file + " is not JSON (truncated or damaged?)");
  if (Status st = check_summary(summary, file); !st.ok()) return st.error();
  return summary;
}

}  // namespace faultline::report
