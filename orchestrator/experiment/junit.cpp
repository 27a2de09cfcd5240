// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/junit.hpp"

#include <cstdio>

namespace faultline::experiment {

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += "\xEF\xBF\xBD";
        else
          out += static_cast<char>(c);
    }
  }
  return out;
}

namespace {

std::string text(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

std::string number(const nlohmann::json& v) {
  if (!v.is_number()) return v.is_null() ? "none" : v.dump();
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v.get<double>());
  return b;
}

std::string attr(const std::string& name, const std::string& value) { return " " + name + "=\"" + xml_escape(value) + "\""; }

struct Suite {
  std::string xml;
  size_t tests = 0, failures = 0, errors = 0;
  double time = 0;
};

// The class name groups a run's cases as CI tools do, by dots.
std::string class_name(const std::string& suite) {
  std::string out = "faultline.";
  for (char c : suite) out += c == '/' ? '.' : c;
  return out;
}

// --set overrides as they were given, "k=v k2=v2".
std::string overrides_of(const nlohmann::json& ex) {
  if (!ex.contains("overrides") || !ex["overrides"].is_array()) return "";
  std::string out;
  for (const auto& o : ex["overrides"])
    if (o.is_string()) out += (out.empty() ? "" : " ") + o.get<std::string>();
  return out;
}

Suite suite_of(const nlohmann::json& s, const std::string& id) {
  const auto& ex = s.contains("experiment") ? s["experiment"] : nlohmann::json::object();
  const std::string variant = text(ex, "variant");
  const std::string repeat = text(ex, "repeat");
  const std::string classname = class_name(id);
  Suite out;
  if (s.contains("phases") && s["phases"].is_object() && s["phases"].value("end_s", nlohmann::json()).is_number())
    out.time = s["phases"]["end_s"].get<double>();
  std::string cases;
  auto add_case = [&](const std::string& tc, const std::string& body) {
    ++out.tests;
    cases += "    <testcase" + attr("name", tc) + attr("classname", classname) + attr("time", "0") +
             (body.empty() ? "/>\n" : ">\n" + body + "    </testcase>\n");
  };
  if (s.contains("expectations") && s["expectations"].is_array())
    for (const auto& e : s["expectations"]) {
      if (!e.is_object()) continue;
      if (e.value("passed", false)) {
        add_case(text(e, "name"), "");
        continue;
      }
      ++out.failures;
      const std::string measured = number(e.value("measured", nlohmann::json()));
      const std::string threshold = number(e.value("threshold", nlohmann::json()));
      const std::string message = "measured " + measured + ", expected " + text(e, "op") + " " + threshold +
                                  (text(e, "detail").empty() ? "" : ": " + text(e, "detail"));
      add_case(text(e, "name"), "      <failure" + attr("message", message) + attr("type", "expectation") + ">" +
                                    xml_escape("metric: " + text(e, "metric") + "\nmeasured: " + measured + "\nop: " +
                                               text(e, "op") + "\nthreshold: " + threshold + "\ndetail: " + text(e, "detail")) +
                                    "</failure>\n");
    }
  // A run cut short is an error of the run, not a failed expectation.
  if (ex.value("interrupted", false)) {
    ++out.errors;
    add_case("run", "      <error" + attr("message", "the run was interrupted before its end; its expectations are partial") +
                        attr("type", "interrupted") + "/>\n");
  }
  const auto& verdict = s.contains("verdict") ? s["verdict"] : nlohmann::json::object();
  std::string props = "    <properties>\n";
  for (const auto& [k, v] : {std::pair<std::string, std::string>{"file", text(ex, "file")},
                             {"seed", text(ex, "seed")},
                             {"variant", variant},
                             {"repeat", repeat},
                             {"overrides", overrides_of(ex)},
                             {"headline", text(verdict, "headline")}})
    props += "      <property" + attr("name", k) + attr("value", v) + "/>\n";
  props += "    </properties>\n";
  char t[32];
  std::snprintf(t, sizeof t, "%.3f", out.time);
  out.xml = "  <testsuite" + attr("name", id) + attr("tests", std::to_string(out.tests)) +
            attr("failures", std::to_string(out.failures)) + attr("errors", std::to_string(out.errors)) +
            attr("skipped", "0") + attr("time", t) + ">\n" + props + cases + "  </testsuite>\n";
  return out;
}

}  // namespace

std::string suite_name(const nlohmann::json& s) {
  const auto& ex = s.is_object() && s.contains("experiment") ? s["experiment"] : nlohmann::json::object();
  const std::string variant = text(ex, "variant"), repeat = text(ex, "repeat");
  std::string id = text(ex, "name");
  if (!variant.empty() || (!repeat.empty() && repeat != "0"))
    id += "/" + (variant.empty() ? "base" : variant) + "/" + repeat;
  return id;
}

std::string junit_xml(const std::vector<JUnitRun>& runs, const std::string& name) {
  std::string body;
  size_t tests = 0, failures = 0, errors = 0;
  double time = 0;
  for (const auto& r : runs) {
    const Suite su = suite_of(r.summary, r.name.empty() ? suite_name(r.summary) : r.name);
    body += su.xml;
    tests += su.tests;
    failures += su.failures;
    errors += su.errors;
    time += su.time;
  }
  char t[32];
  std::snprintf(t, sizeof t, "%.3f", time);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" + attr("name", name) +
         attr("tests", std::to_string(tests)) + attr("failures", std::to_string(failures)) +
         attr("errors", std::to_string(errors)) + attr("time", t) + ">\n" + body + "</testsuites>\n";
}

std::string junit_xml(const std::vector<nlohmann::json>& summaries) {
  std::vector<JUnitRun> runs;
  for (const auto& s : summaries) runs.push_back({s, ""});
  return junit_xml(runs);
}

}  // namespace faultline::experiment
