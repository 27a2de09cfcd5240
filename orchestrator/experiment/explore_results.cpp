// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/explore_results.hpp"

#include <cmath>
#include <cstdio>

namespace faultline::experiment::explore {

namespace {

// Three significant digits, whole numbers from 100 on ("230", "50.5", "0.297").
std::string num(double v) {
  char b[48];
  std::snprintf(b, sizeof b, std::fabs(v) >= 100 ? "%.0f" : "%.3g", v);
  return b;
}

std::string with_unit(const Axis& a, double v) {
  const std::string u = unit_of(a);
  return num(v) + (u.empty() ? "" : u == a.suffix ? u : " " + u);
}

const char* kind_name(Boundary::Kind k) {
  switch (k) {
    case Boundary::Kind::kFound: return "found";
    case Boundary::Kind::kAllGood: return "all_recover";
    case Boundary::Kind::kAllBad: return "none_recovers";
    case Boundary::Kind::kOpen: return "open";
    case Boundary::Kind::kNoRuns: return "no_runs";
  }
  return "no_runs";
}

// A CSV cell: quoted when it holds a comma, quote or newline.
std::string cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string text(const nlohmann::json& j, const char* k) {
  if (!j.contains(k) || j[k].is_null()) return "";
  return j[k].is_string() ? j[k].get<std::string>() : j[k].dump();
}

}  // namespace

std::optional<Predicted> line_prediction(const LinePredictions& p, size_t i) {
  if (p.empty()) return std::nullopt;
  return p.size() == 1 ? p[0] : i < p.size() ? p[i] : std::nullopt;
}

nlohmann::json axis_json(const Axis& a) {
  return {{"key", a.key}, {"lo", a.lo}, {"hi", a.hi}, {"integer", a.integer}, {"suffix", a.suffix}, {"unit", unit_of(a)}};
}

std::string set_value(const Axis& a, double v) {
  char b[48];
  if (a.integer)
    std::snprintf(b, sizeof b, "%lld", static_cast<long long>(std::llround(v)));
  else
    std::snprintf(b, sizeof b, "%.6g", v);
  return b + a.suffix;
}

std::string unit_of(const Axis& a) {
  if (!a.suffix.empty()) return a.suffix;
  const std::string k = a.key;
  if (k.size() > 10 && k.compare(k.size() - 10, 10, ".load.rate") == 0) return "req/s";
  return "";
}

std::string verdict_line(const Spec& s, double y, const Boundary& b, const std::optional<Predicted>& p) {
  std::string out = s.y ? "at " + s.y->key + "=" + set_value(*s.y, y) + ": " : "";
  const std::string range = with_unit(s.x, s.x.lo) + " to " + with_unit(s.x, s.x.hi);
  switch (b.kind) {
    case Boundary::Kind::kNoRuns: out += "no runs yet"; break;
    case Boundary::Kind::kOpen:
      out += "not bracketed yet: " + std::to_string(b.runs) + " run" + (b.runs == 1 ? "" : "s") + ", not both ends of " +
             range;
      break;
    case Boundary::Kind::kAllGood: out += "recovers from this trigger everywhere from " + range + " (" + s.x.key + ")"; break;
    case Boundary::Kind::kAllBad: out += "does not recover from this trigger anywhere from " + range + " (" + s.x.key + ")"; break;
    case Boundary::Kind::kFound:
      out += std::string("recovers from this trigger ") + (b.good_below ? "up to " : "from ") + with_unit(s.x, b.estimate) +
             " (" + num(b.ci_lo) + "-" + num(b.ci_hi) + ", 95%) of " + s.x.key + "; last recovered at " +
             num(b.last_good) + ", first did not at " + num(b.first_bad);
      break;
  }
  if (p) out += "; the lint predicts " + p->what + " " + with_unit(s.x, p->value);
  return out;
}

std::vector<Observation> observations(const std::vector<nlohmann::json>& runs) {
  std::vector<Observation> out;
  for (const auto& r : runs) out.push_back({{r.value("x", 0.0), r.value("y", 0.0)}, r.value("good", false)});
  return out;
}

nlohmann::json explore_document(const Spec& s, const nlohmann::json& args, const std::vector<nlohmann::json>& runs,
                                const LinePredictions& p, bool complete) {
  const auto obs = observations(runs);
  auto pred_json = [](const std::optional<Predicted>& q) {
    return q ? nlohmann::json{{"value", q->value}, {"what", q->what}, {"source", q->source}} : nlohmann::json(nullptr);
  };
  nlohmann::json lines = nlohmann::json::array();
  std::string verdict;
  const auto ys = line_values(s);
  nlohmann::json shared = pred_json(line_prediction(p, 0));
  for (size_t i = 0; i < ys.size(); ++i) {
    const double y = ys[i];
    const auto b = estimate_boundary(s, y, obs);
    const auto lp = line_prediction(p, i);
    const auto pj = pred_json(lp);
    if (pj != shared) shared = nullptr;
    const std::string v = verdict_line(s, y, b, lp);
    verdict += (verdict.empty() ? "" : "\n") + v;
    const bool found = b.kind == Boundary::Kind::kFound;
    auto opt = [&](double x) { return found ? nlohmann::json(x) : nlohmann::json(nullptr); };
    lines.push_back({{"y", s.y ? nlohmann::json(y) : nlohmann::json(nullptr)},
                     {"kind", kind_name(b.kind)},
                     {"good_below", found ? nlohmann::json(b.good_below) : nlohmann::json(nullptr)},
                     {"estimate", opt(b.estimate)},
                     {"ci95_lo", opt(b.ci_lo)},
                     {"ci95_hi", opt(b.ci_hi)},
                     {"last_good", opt(b.last_good)},
                     {"first_bad", opt(b.first_bad)},
                     {"runs", b.runs},
                     {"predicted", pj},
                     {"verdict", v}});
  }
  return {{"args", args},
          {"x", axis_json(s.x)},
          {"y", s.y ? axis_json(*s.y) : nlohmann::json(nullptr)},
          {"repeat", s.repeat},
          {"budget", s.budget},
          {"complete", complete},
          {"runs", runs},
          {"lines", lines},
          {"predicted", shared},
          {"verdict", verdict}};
}

std::string explore_csv(const Spec& s, const std::vector<nlohmann::json>& runs) {
  std::string out = "index," + cell(s.x.key) + (s.y ? "," + cell(s.y->key) : "") +
                    ",repeat,seed,good,passed,recovered,metastable,headline,dir\n";
  for (const auto& r : runs) {
    out += text(r, "index") + "," + set_value(s.x, r.value("x", 0.0)) +
           (s.y ? "," + set_value(*s.y, r.value("y", 0.0)) : "") + "," + text(r, "repeat") + "," + text(r, "seed") + "," +
           text(r, "good") + "," + text(r, "passed") + "," + text(r, "recovered") + "," + text(r, "metastable") + "," +
           cell(text(r, "headline")) + "," + cell(text(r, "dir")) + "\n";
  }
  return out;
}

}  // namespace faultline::experiment::explore
