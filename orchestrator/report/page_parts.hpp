// The parts report.html and the live page share: the head (meta, the
// Content-Security-Policy, the title, the stylesheet) and the skeleton the
// report's script draws into.
#pragma once

#include <string>

namespace faultline::report {

// From the doctype through the inlined stylesheet; the head is left open
// for the page's own scripts. `title` is escaped here.
std::string page_head(const char* policy, const std::string& title);
// The elements report.js draws into: header, main, tooltip, render check.
std::string page_skeleton();
std::string html_escape(const std::string& s);

}  // namespace faultline::report
