// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/measure/prom_text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

namespace faultline::measure {

const std::string* Sample::label(std::string_view key) const {
  for (const auto& [k, v] : labels)
    if (k == key) return &v;
  return nullptr;
}

namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

// Cursor over one line; every reader leaves pos at the first unread char.
struct Line {
  std::string_view s;
  size_t pos = 0;
  void skip_blanks() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
  }
  bool at_end() const { return pos >= s.size(); }
  std::string name() {
    const size_t start = pos;
    if (pos < s.size() && name_start(s[pos])) ++pos;
    while (pos < s.size() && name_char(s[pos])) ++pos;
    return std::string(s.substr(start, pos - start));
  }
  std::string token() {
    const size_t start = pos;
    while (pos < s.size() && s[pos] != ' ' && s[pos] != '\t') ++pos;
    return std::string(s.substr(start, pos - start));
  }
};

bool parse_value(const std::string& tok, double& out) {
  if (tok == "+Inf" || tok == "Inf") return out = std::numeric_limits<double>::infinity(), true;
  if (tok == "-Inf") return out = -std::numeric_limits<double>::infinity(), true;
  if (tok == "NaN") return out = std::numeric_limits<double>::quiet_NaN(), true;
  if (tok.empty()) return false;
  const char* b = tok.data();
  if (*b == '+') ++b;
  auto [p, ec] = std::from_chars(b, tok.data() + tok.size(), out);
  return ec == std::errc() && p == tok.data() + tok.size();
}

// Reads `{k="v",...}` at the cursor (which is on '{').
std::optional<std::string> parse_labels(Line& l, Labels& out) {
  ++l.pos;
  for (;;) {
    l.skip_blanks();
    if (l.at_end()) return "unterminated label set";
    if (l.s[l.pos] == '}') {
      ++l.pos;
      return std::nullopt;
    }
    std::string key = l.name();
    if (key.empty()) return "expected a label name";
    l.skip_blanks();
    if (l.at_end() || l.s[l.pos] != '=') return "expected '=' after label " + key;
    ++l.pos;
    l.skip_blanks();
    if (l.at_end() || l.s[l.pos] != '"') return "expected '\"' to open the value of label " + key;
    ++l.pos;
    std::string value;
    for (;;) {
      if (l.at_end()) return "unterminated value of label " + key;
      const char c = l.s[l.pos++];
      if (c == '"') break;
      if (c == '\\') {
        if (l.at_end()) return "dangling escape in label " + key;
        const char e = l.s[l.pos++];
        if (e == 'n') value += '\n';
        else if (e == '\\' || e == '"') value += e;
        else return std::string("unknown escape \\") + e + " in label " + key;
      } else {
        value += c;
      }
    }
    out.emplace_back(std::move(key), std::move(value));
    l.skip_blanks();
    if (!l.at_end() && l.s[l.pos] == ',') ++l.pos;
  }
}

bool matches(const Sample& s, std::string_view name, const Labels& match) {
  if (s.name != name) return false;
  for (const auto& [k, v] : match) {
    const std::string* got = s.label(k);
    if (!got || *got != v) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<Sample>> parse_prom_text(std::string_view text) {
  std::vector<Sample> out;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    Line l{text.substr(0, nl)};
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!l.s.empty() && l.s.back() == '\r') l.s.remove_suffix(1);
    l.skip_blanks();
    if (l.at_end() || l.s[l.pos] == '#') continue;  // blank, HELP, TYPE, comment
    auto fail = [&](const std::string& what) {
      return logic_error("metrics line " + std::to_string(line_no) + ": " + what + ": " + std::string(l.s));
    };
    Sample smp;
    smp.name = l.name();
    if (smp.name.empty()) return fail("expected a metric name");
    l.skip_blanks();
    if (!l.at_end() && l.s[l.pos] == '{') {
      if (auto err = parse_labels(l, smp.labels)) return fail(*err);
      l.skip_blanks();
    }
    if (!parse_value(l.token(), smp.value)) return fail("expected a number");
    l.skip_blanks();
    if (!l.at_end()) {
      double ts;
      if (!parse_value(l.token(), ts)) return fail("expected a timestamp or the end of the line");
      l.skip_blanks();
      if (!l.at_end()) return fail("unexpected text after the timestamp");
    }
    out.push_back(std::move(smp));
  }
  return out;
}

double sum_if(const std::vector<Sample>& samples, std::string_view name,
              const std::function<bool(const Sample&)>& pred) {
  double total = 0;
  for (const auto& s : samples)
    if (s.name == name && (!pred || pred(s))) total += s.value;
  return total;
}

double sum(const std::vector<Sample>& samples, std::string_view name, const Labels& match) {
  return sum_if(samples, name, [&](const Sample& s) { return matches(s, name, match); });
}

Buckets histogram_buckets(const std::vector<Sample>& samples, std::string_view base, const Labels& match) {
  const std::string bucket = std::string(base) + "_bucket";
  Buckets cumulative;
  for (const auto& s : samples) {
    if (!matches(s, bucket, match)) continue;
    const std::string* le = s.label("le");
    double bound;
    if (!le || !parse_value(*le, bound)) continue;
    cumulative[bound] += s.value;
  }
  return cumulative;
}

Buckets bucket_delta(const Buckets& now, const Buckets& before) {
  const double total_now = now.empty() ? 0 : now.rbegin()->second;
  const double total_before = before.empty() ? 0 : before.rbegin()->second;
  if (total_now < total_before) return now;  // the workload restarted: its counts began again
  Buckets d;
  for (const auto& [bound, count] : now) {
    auto it = before.find(bound);
    d[bound] = std::max(0.0, count - (it == before.end() ? 0.0 : it->second));
  }
  return d;
}

double quantile(const Buckets& cumulative, double q) {
  if (cumulative.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double total = cumulative.rbegin()->second;
  if (total <= 0) return std::numeric_limits<double>::quiet_NaN();
  const double rank = std::clamp(q, 0.0, 1.0) * total;
  double lower = 0, below = 0;
  for (const auto& [bound, count] : cumulative) {
    if (count >= rank) {
      // The +Inf bucket has no width: answer its lower bound, as Prometheus does.
      if (std::isinf(bound)) return lower;
      const double in_bucket = count - below;
      return in_bucket <= 0 ? bound : lower + (bound - lower) * (rank - below) / in_bucket;
    }
    lower = bound;
    below = count;
  }
  return lower;
}

double histogram_quantile(const std::vector<Sample>& samples, std::string_view base, double q, const Labels& match) {
  return quantile(histogram_buckets(samples, base, match), q);
}

}  // namespace faultline::measure
