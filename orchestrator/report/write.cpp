// SPDX-License-Identifier: Apache-2.0
// report.html from a results folder: read the three files the run wrote
// (summary.json checked to be one: summary_check.hpp), render, and replace report.html atomically so that a reader never sees half
// a page.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "base/atomic_file.hpp"
#include "base/file.hpp"
#include "base/fd.hpp"
#include "orchestrator/report/report.hpp"
#include "orchestrator/report/summary_check.hpp"

namespace faultline::report {
namespace {

// An optional input: absent is empty, any other failure is an error.
Result<std::string> read_optional(const std::string& path) {
  auto r = read_file(path);
  if (!r.ok() && r.error().err == ENOENT) return std::string();
  return r;
}

// events.jsonl: one object per line. A line that is not a JSON object does
// not stop the report; it becomes a warning event that the page shows.
std::vector<nlohmann::json> parse_events(const std::string& text) {
  std::vector<nlohmann::json> out;
  size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      out.push_back({{"kind", "warning"}, {"what", "events.jsonl line " + std::to_string(line_no) + " is not a JSON object"}});
      continue;
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

Status write_report(const std::string& results_dir) {
  const std::string dir = results_dir.empty() ? "." : results_dir;
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) return sys_error("report: results folder " + dir);
  if (!S_ISDIR(st.st_mode))
    return sys_error(ENOTDIR, "report: " + dir + " is not a results folder of `faultline run`");
  auto summary = read_summary(dir + "/summary.json");
  if (!summary.ok()) {
    if (summary.error().err == ENOENT)
      return sys_error(ENOENT, "report: " + dir + " has no summary.json, so it is not a results folder of `faultline run`");
    return wrap(summary.error(), "report");
  }
  auto csv = read_optional(dir + "/timeseries.csv");
  if (!csv.ok()) return wrap(csv.error(), "report");
  auto events = read_optional(dir + "/events.jsonl");
  if (!events.ok()) return wrap(events.error(), "report");

  const std::string html = render_report(*summary, *csv, parse_events(*events));
  if (Status st = write_file_atomic(dir + "/report.html", html); !st.ok()) return wrap(st.error(), "report");
  return {};
}

}  // namespace faultline::report
