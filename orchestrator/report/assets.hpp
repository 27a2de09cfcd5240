// SPDX-License-Identifier: Apache-2.0
// The page's stylesheet and scripts, inlined into every report.html (the page
// must open offline, so nothing is linked). They are real files beside this
// one (report.css, catcher.js, report_lib.js, report.js), which the build
// embeds as bytes (cmake/embed_files.cmake writes report_assets.cpp in the
// build tree), so that editors, `node --check` and the tests under
// tests/report see them as what they are.
#pragma once

#include <string_view>

namespace faultline::report {

extern const std::string_view kReportCss;  // report.css
// report_lib.js: the pure part (formatting, scales, colours, layout, the
// data's shaping and health), which defines window.flReport; runs before
// report.js, which draws.
extern const std::string_view kReportLibJs;
extern const std::string_view kReportJs;  // report.js
// catcher.js. Runs first, in <head>: records errors (window.onerror,
// console.error, Content-Security-Policy violations) into window.__flErrors
// for the page's render check, and fills the check in when the main script
// never ran. Kept apart from the main script so that even a syntax error
// there is caught and reported.
extern const std::string_view kErrorCatcherJs;
// live.js: the live page's loader (live_page.hpp), which polls /live.json
// and has report.js draw each new state.
extern const std::string_view kLiveJs;

// explore.html (explore_page.hpp): its stylesheet, the pure part (scales,
// colours, the boundary's band; window.flExplore, tested under node in
// tests/report/explore_lib.test.js) and the script that draws.
extern const std::string_view kExploreCss;
extern const std::string_view kExploreLibJs;
extern const std::string_view kExploreJs;

}  // namespace faultline::report
