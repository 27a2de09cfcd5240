// SPDX-License-Identifier: Apache-2.0
// summary.json against its schema (docs/summary.schema.json), checked by a
// real validator: Debian's python3-jsonschema, through
// tests/support/validate_json.py. Every summary the tests produce goes
// through here (read_summary in run_results.hpp for a run's folder), so that
// make_summary and the schema cannot drift apart unnoticed.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/python.hpp"

namespace faultline::testing {

// The validator's verdict on the JSON file `path`: success, or a failure
// carrying its messages ("FILE: /where: what", one per error).
inline ::testing::AssertionResult matches_summary_schema(const std::filesystem::path& path) {
  const std::string schema = std::string(FL_SOURCE_DIR) + "/docs/summary.schema.json";
  const auto r = run_python("validate_json.py", {schema, path.string()});
  if (r.status == 0) return ::testing::AssertionSuccess();
  auto fail = ::testing::AssertionFailure();
  if (r.status == 1) return fail << path.string() << " does not match docs/summary.schema.json:\n" << r.output;
  return fail << "could not validate " << path.string() << " (" << FL_PYTHON3 << " tests/support/validate_json.py, status "
              << r.status << "): " << r.output;
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
