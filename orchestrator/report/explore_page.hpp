// SPDX-License-Identifier: Apache-2.0
// explore.html: the phase diagram of a `faultline explore` (every run a
// point coloured by its verdict and linking to its own report.html, the
// boundary drawn with its 95% interval, the lint's prediction beside it),
// one self-contained page like report.html, drawn by its script from the
// embedded explore.json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace faultline::report {

// The page (pure: no I/O) for explore.json's document.
std::string render_explore(const nlohmann::json& doc);

}  // namespace faultline::report
