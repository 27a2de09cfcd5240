// The page: a static skeleton, the stylesheet and scripts inlined, the data
// embedded as JSON. Everything visible is drawn by the script from that JSON,
// so the page and its data cannot disagree.
#include <string>

#include "orchestrator/report/assets.hpp"
#include "orchestrator/report/report.hpp"
#include "orchestrator/report/series.hpp"

namespace faultline::report {
namespace {

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON safe inside <script type="application/json">: a '<' can only occur
// inside a JSON string, where \u003c means the same character, so no
// "</script>" or "<!--" in the data can end or confuse the script element.
// Invalid UTF-8 in names is replaced rather than thrown on.
std::string embed_json(const nlohmann::json& j) {
  const std::string raw = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(raw.size() + 64);
  for (const char c : raw) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

// Nothing may be fetched: no scripts, styles, images, fonts or connections
// from anywhere. Inline style and script are the page itself.
constexpr const char* kPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'";

}  // namespace

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
  html += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<meta http-equiv=\"Content-Security-Policy\" content=\"";
  html += kPolicy;
  html += "\">\n<meta name=\"generator\" content=\"faultline\">\n<title>faultline \xC2\xB7 ";
  html += html_escape(name);
  // Each asset starts on its own line (the files do not begin with one).
  html += "</title>\n<style>\n";
  html += kReportCss;
  html += "</style>\n<script>\n";
  html += kErrorCatcherJs;
  html += "</script>\n</head>\n<body>\n";
  html += "<noscript><p style=\"padding:20px\">This report draws its graphs with JavaScript; "
          "enable it to see them. The data is in summary.json, timeseries.csv and events.jsonl "
          "beside this file.</p></noscript>\n";
  html += "<header id=\"fl-header\"></header>\n<main id=\"fl-main\"></main>\n";
  html += "<div id=\"fl-tip\" class=\"tip\" hidden></div>\n";
  html += "<div id=\"render-check\" hidden></div>\n";
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
