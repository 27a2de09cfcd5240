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

// The same without its trailing newlines: a kernel file of one value
// ("50000 100000\n" in cpu.max) compared with the value.
inline std::string slurp_line(const std::filesystem::path& p) {
  std::string s = slurp(p);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace faultline::testing
