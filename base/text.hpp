// SPDX-License-Identifier: Apache-2.0
// The small text helpers every part needs once: one splitter, one trimmer,
// one number formatter.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace faultline {

enum class Empty { kKeep, kDrop };

// The fields of s between the separators: "a,,b" is {"a", "", "b"} (kKeep),
// {"a", "b"} (kDrop); "" is {""} (kKeep), {} (kDrop).
inline std::vector<std::string> split(std::string_view s, char sep, Empty empty = Empty::kKeep) {
  std::vector<std::string> out;
  for (size_t start = 0;;) {
    const size_t end = s.find(sep, start);
    const std::string_view field = s.substr(start, end == std::string_view::npos ? end : end - start);
    if (!field.empty() || empty == Empty::kKeep) out.emplace_back(field);
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

// Without leading and trailing spaces and tabs.
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// v with `digits` significant digits, as printf's %g: format_g(0.12345, 3) is "0.123".
inline std::string format_g(double v, int digits) {
  char b[48];
  std::snprintf(b, sizeof b, "%.*g", digits, v);
  return b;
}

}  // namespace faultline
