// The page's stylesheet and script, inlined into every report.html (the page
// must open offline, so nothing is linked). They live in .cpp files as raw
// strings; `node --check` on the script's text is a quick syntax check.
#pragma once

namespace faultline::report {

extern const char* const kReportCss;
extern const char* const kReportJs;
// Runs first, in <head>: records errors (window.onerror, console.error,
// Content-Security-Policy violations) into window.__flErrors for the page's
// render check, and fills the check in when the main script never ran.
extern const char* const kErrorCatcherJs;

}  // namespace faultline::report
