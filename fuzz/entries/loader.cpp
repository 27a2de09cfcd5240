// SPDX-License-Identifier: Apache-2.0
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/entries/entries.hpp"
#include "orchestrator/model/loader.hpp"

namespace faultline::fuzz {

int loader(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nul = in.find('\0');
  const std::string_view text = in.substr(0, nul);
  std::vector<std::string> overrides;
  for (size_t at = nul; at != std::string_view::npos;) {
    const size_t next = in.find('\0', at + 1);
    overrides.emplace_back(in.substr(at + 1, next == std::string_view::npos ? next : next - at - 1));
    at = next;
  }
  const std::string file = "fuzz.toml";
  const auto r = model::load_string_with_overrides(text, file, overrides);
  check(r.topology.has_value() == r.errors.empty(), "a topology is returned exactly when there are no errors");
  for (const auto& e : r.errors) {
    check(!e.message.empty(), "an error says what is wrong: " + e.str());
    check(e.loc.file == file || e.loc.file == "--set", "an error names the file or --set: " + e.str());
    check(e.loc.line >= 1 && e.loc.col >= 1, "an error names a line and column: " + e.str());
    if (e.loc.file == "--set")
      check(static_cast<size_t>(e.loc.line) <= overrides.size(), "an override's error names its override: " + e.str());
  }
  return 0;
}

}  // namespace faultline::fuzz
