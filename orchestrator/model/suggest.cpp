// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/model/suggest.hpp"

#include <algorithm>

namespace faultline::model::detail {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates) {
  // Two edits turn "ram" into "name": short words get one.
  const size_t max_d = word.size() >= 6 ? 2 : 1;
  std::optional<std::string> best;
  size_t best_d = max_d + 1;
  for (const auto& c : candidates) {
    const size_t dist = edit_distance(word, c);
    if (dist < best_d) {
      best_d = dist;
      best = c;
    }
  }
  return best;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

std::string suggest(std::string_view word, const std::vector<std::string>& candidates, std::string_view what) {
  if (auto c = closest(word, candidates)) return "did you mean '" + *c + "'?";
  if (candidates.empty()) return std::string(what) + ": none";
  return std::string(what) + ": " + join(candidates);
}

}  // namespace faultline::model::detail
