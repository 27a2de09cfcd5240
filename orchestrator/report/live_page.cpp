// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/report/live_page.hpp"

#include "orchestrator/report/assets.hpp"
#include "orchestrator/report/page_parts.hpp"

namespace faultline::report {

namespace {

// As the report's, but scripts come from this server ('self') and the
// page's data from /live.json (connect-src 'self'); nothing else.
constexpr const char* kLivePolicy =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; img-src data:; "
    "base-uri 'none'; form-action 'none'";

bool run_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

}  // namespace

std::string render_live_page(const std::string& run) {
  // Run names are [a-z0-9-] (runtime/state.hpp); anything else is dropped
  // rather than escaped.
  std::string name;
  for (char c : run)
    if (run_name_char(c)) name += c;
  std::string html = page_head(kLivePolicy, "live \xC2\xB7 " + name);
  html += "<script src=\"/catcher.js\"></script>\n</head>\n<body>\n";
  html += "<noscript><p style=\"padding:20px\">The live view draws with JavaScript; enable it, or use "
          "<code>faultline watch</code> in a terminal.</p></noscript>\n";
  html += "<div id=\"fl-live\" class=\"live-bar\" data-run=\"" + name + "\">connecting\xE2\x80\xA6</div>\n";
  html += page_skeleton();
  html += "<script type=\"application/json\" id=\"fl-data\">{}</script>\n";
  html += "<script src=\"/report_lib.js\"></script>\n<script src=\"/live.js\"></script>\n</body>\n</html>\n";
  return html;
}

std::optional<Asset> live_asset(std::string_view path) {
  constexpr const char* kJs = "text/javascript; charset=utf-8";
  if (path == "/report_lib.js") return Asset{kReportLibJs, kJs};
  if (path == "/report.js") return Asset{kReportJs, kJs};
  if (path == "/catcher.js") return Asset{kErrorCatcherJs, kJs};
  if (path == "/live.js") return Asset{kLiveJs, kJs};
  return std::nullopt;
}

}  // namespace faultline::report
