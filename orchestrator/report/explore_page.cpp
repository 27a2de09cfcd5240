// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/report/explore_page.hpp"

#include "orchestrator/report/assets.hpp"
#include "orchestrator/report/html_text.hpp"
#include "orchestrator/report/page_parts.hpp"

namespace faultline::report {

std::string render_explore(const nlohmann::json& doc) {
  std::string title = "explore";
  if (doc.is_object() && doc.contains("x") && doc["x"].is_object() && doc["x"].value("key", nlohmann::json()).is_string())
    title += " \xC2\xB7 " + doc["x"]["key"].get<std::string>();
  std::string html = page_head(kPagePolicy, title, kExploreCss);
  html += "<script>\n";
  html += kErrorCatcherJs;
  html += "</script>\n</head>\n<body>\n";
  html += "<noscript><p>This page draws the phase diagram with JavaScript; the data is in explore.json "
          "and explore.csv beside it.</p></noscript>\n";
  html += "<main id=\"fl-main\"></main>\n<div id=\"render-check\" hidden></div>\n";
  html += "<script type=\"application/json\" id=\"fl-data\">";
  html += embed_json(doc);
  html += "</script>\n<script>\n";
  html += kExploreLibJs;
  html += "</script>\n<script>\n";
  html += kExploreJs;
  html += "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace faultline::report
