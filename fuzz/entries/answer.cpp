// SPDX-License-Identifier: Apache-2.0
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz/entries/entries.hpp"

namespace faultline::fuzz {

using nlohmann::json;

bool answer_serializes(const std::string& error) {
  try {
    (void)json{{"ok", false}, {"error", error}}.dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

std::string printable(const std::string& text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace faultline::fuzz
