// SPDX-License-Identifier: Apache-2.0
// `faultline watch`'s screen: one block of text from the `now` a run's
// owner publishes (experiment/live.hpp). Pure, so the layout is tested
// without a run. Colour (ANSI, health only) when writing to a terminal.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace faultline::cli {

std::string render_watch(const nlohmann::json& now, bool colour);

}  // namespace faultline::cli
