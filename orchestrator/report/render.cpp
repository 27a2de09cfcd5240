// SPDX-License-Identifier: Apache-2.0
// The page: a static skeleton, the stylesheet and scripts inlined, the data
// embedded as JSON. Everything visible is drawn by the script from that JSON,
// so the page and its data cannot disagree.
#include <string>

#include "orchestrator/report/assets.hpp"
#include "orchestrator/report/html_text.hpp"
#include "orchestrator/report/page_parts.hpp"
#include "orchestrator/report/report.hpp"
#include "orchestrator/report/series.hpp"

namespace faultline::report {

std::string render_report(const nlohmann::json& summary, const std::string& timeseries_csv,
                          const std::vector<nlohmann::json>& events) {
  nlohmann::json data = {{"summary", summary},
                         {"series", columnar_series(timeseries_csv)},
                         {"events", nlohmann::json(events)}};
  std::string name = "experiment";
  if (summary.is_object()) {
    const auto e = summary.find("experiment");
    if (e != summary.end() && e->is_object()) {
      const auto n = e->find("name");
      if (n != e->end() && n->is_string()) name = n->get<std::string>();
    }
  }

  std::string html;
  html.reserve(64 * 1024 + timeseries_csv.size());
  html += page_head(kPagePolicy, name);
  html += "<script>\n";
  html += kErrorCatcherJs;
  html += "</script>\n</head>\n<body>\n";
  html += "<noscript><p style=\"padding:20px\">This report draws its graphs with JavaScript; "
          "enable it to see them. The data is in summary.json, timeseries.csv and events.jsonl "
          "beside this file.</p></noscript>\n";
  html += page_skeleton();
  html += "<script type=\"application/json\" id=\"fl-data\">";
  html += embed_json(data);
  html += "</script>\n<script>\n";
  html += kReportLibJs;
  html += "</script>\n<script>\n";
  html += kReportJs;
  html += "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace faultline::report
