// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/report/page_parts.hpp"

#include "orchestrator/report/assets.hpp"
#include "orchestrator/report/html_text.hpp"

namespace faultline::report {

std::string page_head(const char* policy, const std::string& title, std::string_view css) {
  std::string html;
  html += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<meta http-equiv=\"Content-Security-Policy\" content=\"";
  html += policy;
  html += "\">\n<meta name=\"generator\" content=\"faultline\">\n<title>faultline \xC2\xB7 ";
  html += html_escape(title);
  // Each asset starts on its own line (the files do not begin with one).
  html += "</title>\n<style>\n";
  html += css.empty() ? kReportCss : css;
  html += "</style>\n";
  return html;
}

std::string page_skeleton() {
  return "<header id=\"fl-header\"></header>\n<main id=\"fl-main\"></main>\n"
         "<div id=\"fl-tip\" class=\"tip\" hidden></div>\n"
         "<div id=\"render-check\" hidden></div>\n";
}

}  // namespace faultline::report
