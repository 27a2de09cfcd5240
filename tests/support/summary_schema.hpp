// summary.json against its schema (docs/summary.schema.json), checked by a
// real validator: Debian's python3-jsonschema, through
// tests/support/validate_json.py. Every summary the tests produce goes
// through here (read_summary in run_results.hpp for a run's folder), so that
// make_summary and the schema cannot drift apart unnoticed.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#ifndef FL_PYTHON3
#define FL_PYTHON3 "python3"
#endif

namespace faultline::testing {

// The validator's verdict on the JSON file `path`: success, or a failure
// carrying its messages ("FILE: /where: what", one per error).
inline ::testing::AssertionResult matches_summary_schema(const std::filesystem::path& path) {
  const std::string script = std::string(FL_SOURCE_DIR) + "/tests/support/validate_json.py";
  const std::string schema = std::string(FL_SOURCE_DIR) + "/docs/summary.schema.json";
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return ::testing::AssertionFailure() << "pipe: " << std::strerror(errno);
  const pid_t pid = ::fork();
  if (pid < 0) return ::testing::AssertionFailure() << "fork: " << std::strerror(errno);
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::execl(FL_PYTHON3, FL_PYTHON3, script.c_str(), schema.c_str(), path.c_str(), nullptr);
    ::execlp("python3", "python3", script.c_str(), schema.c_str(), path.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return ::testing::AssertionSuccess();
  auto fail = ::testing::AssertionFailure();
  if (WIFEXITED(st) && WEXITSTATUS(st) == 1) return fail << path.string() << " does not match docs/summary.schema.json:\n" << text;
  return fail << "could not validate " << path.string() << " (" << FL_PYTHON3 << " " << script
              << ", status " << st << "): " << text;
}

// The same for a summary in memory (written to a file beside the test's
// other temporary files).
inline ::testing::AssertionResult matches_summary_schema(const nlohmann::json& summary) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto path = std::filesystem::temp_directory_path() /
                    ("fl-summary-" + std::string(info ? info->name() : "x") + "-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << summary.dump(2);
  auto r = matches_summary_schema(path);
  std::error_code ec;
  std::filesystem::remove(path, ec);
  return r;
}

}  // namespace faultline::testing
