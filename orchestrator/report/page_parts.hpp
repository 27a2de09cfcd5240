// SPDX-License-Identifier: Apache-2.0
// The parts the generated pages (report.html, the live page, explore.html)
// share: the head (meta, the Content-Security-Policy, the title, the
// stylesheet) and the skeleton the report's script draws into.
#pragma once

#include <string>
#include <string_view>

namespace faultline::report {

// From the doctype through the inlined stylesheet (the report's unless one
// is given); the head is left open for the page's own scripts. `title` is
// escaped here.
std::string page_head(const char* policy, const std::string& title, std::string_view css = {});
// The elements report.js draws into: header, main, tooltip, render check.
std::string page_skeleton();

}  // namespace faultline::report
