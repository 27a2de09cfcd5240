// SPDX-License-Identifier: Apache-2.0
// Text put into the generated pages (report.html, explore.html): escaped
// HTML, JSON that is safe inside a <script> element, and the pages' policy.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace faultline::report {

// The five characters HTML gives a meaning escaped.
std::string html_escape(const std::string& s);

// JSON safe inside <script type="application/json">: a '<' can only occur
// inside a JSON string, where \u003c means the same character, so no
// "</script>" or "<!--" in the data can end or confuse the script element.
// Invalid UTF-8 in names is replaced rather than thrown on.
std::string embed_json(const nlohmann::json& j);

// Nothing may be fetched: no scripts, styles, images, fonts or connections
// from anywhere. Inline style and script are the page itself.
inline constexpr const char* kPagePolicy =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'";

}  // namespace faultline::report
