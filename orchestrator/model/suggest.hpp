// SPDX-License-Identifier: Apache-2.0
// "Did you mean" for misspelt keys and names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::model::detail {

// Optimal string alignment distance: a swap of two neighbours costs 1, so
// "dealy" is one edit from "delay".
size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate within two edits (one for words under 6 letters), if any.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

// "did you mean 'x'?" when a candidate is close, else "allowed: a, b, c"
// (`what` names the candidates, e.g. "nodes": "known nodes: a, b").
std::string suggest(std::string_view word, const std::vector<std::string>& candidates,
                    std::string_view what = "allowed");

// "a, b, c"
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");

}  // namespace faultline::model::detail
