// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/explore_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "base/fd.hpp"

namespace faultline::experiment::explore {

namespace {

Status append_line(const std::string& path, const std::string& line, int flags) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | flags, 0644));
  if (!fd.valid()) return sys_error("open " + path);
  const std::string text = line + "\n";
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("write " + path);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return sys_error("fsync " + path);
  return {};
}

}  // namespace

Result<std::optional<Journal>> read_journal(const std::string& path) {
  std::ifstream f(path);
  if (!f) {
    if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) return std::optional<Journal>{};
    return sys_error("read " + path);
  }
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);)
    if (!l.empty()) lines.push_back(l);
  Journal j;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto v = nlohmann::json::parse(lines[i], nullptr, false);
    if (v.is_discarded() || !v.is_object()) {
      if (i + 1 == lines.size() && i > 0) break;  // torn by a kill while writing
      return logic_error(path + ":" + std::to_string(i + 1) + ": not a line of an explore journal");
    }
    if (i == 0) {
      if (!v.contains("explore") || !v["explore"].is_object())
        return logic_error(path + ":1: not an explore journal (no \"explore\" header)");
      j.args = v["explore"];
    } else {
      j.runs.push_back(std::move(v));
    }
  }
  if (lines.empty()) return logic_error(path + ": empty; not an explore journal");
  return std::optional<Journal>{std::move(j)};
}

std::string first_difference(const nlohmann::json& was, const nlohmann::json& now) {
  for (const auto& [k, v] : now.items()) {
    const auto it = was.find(k);
    if (it == was.end() || *it != v)
      return k + ": was " + (it == was.end() ? std::string("absent") : it->dump()) + ", now " + v.dump();
  }
  for (const auto& [k, v] : was.items())
    if (!now.contains(k)) return k + ": was " + v.dump() + ", now absent";
  return "";
}

Status start_journal(const std::string& path, const nlohmann::json& args) {
  return append_line(path, nlohmann::json{{"explore", args}}.dump(), O_CREAT | O_EXCL);
}

Status append_run(const std::string& path, const nlohmann::json& run) { return append_line(path, run.dump(), 0); }

}  // namespace faultline::experiment::explore
