// SPDX-License-Identifier: Apache-2.0
// The live page of a running experiment (served by its owner at
// http://127.0.0.1:PORT/): the report's own page skeleton, stylesheet and
// scripts, with live.js in place of embedded data: it polls /live.json
// (the report's data of the run so far) every second and has report.js
// draw it again, with the graph at the present moment.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace faultline::report {

std::string render_live_page(const std::string& run);

// The page's scripts by path ("/report.js", ...): their bytes and type.
struct Asset {
  std::string_view body;
  const char* type;
};
std::optional<Asset> live_asset(std::string_view path);

}  // namespace faultline::report
