// SPDX-License-Identifier: Apache-2.0
// A file's whole content, or "" when it cannot be read: tests compare what
// a run wrote, and an unreadable file then fails the comparison that follows.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace faultline::testing {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace faultline::testing
