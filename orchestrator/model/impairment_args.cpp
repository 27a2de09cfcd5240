// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/model/impairment_args.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "orchestrator/model/impairment_keys.hpp"
#include "orchestrator/model/suggest.hpp"
#include "orchestrator/model/toml_reader.hpp"

namespace faultline::model {

namespace {

std::string pct(uint32_t ppm) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%u.%04u%%", ppm / 10'000, ppm % 10'000);
  return buf;
}

// The base impairment as TOML keys, so the overlay and the combination checks
// are the loader's own.
std::string base_as_toml(const netem::Impairment& b) {
  std::string t;
  auto kv = [&](const char* k, const std::string& v) { t += std::string(k) + " = \"" + v + "\"\n"; };
  if (b.delay_ns) kv("delay", std::to_string(b.delay_ns) + "ns");
  if (b.jitter_ns) {
    kv("jitter", std::to_string(b.jitter_ns) + "ns");
    kv("jitter_distribution", netem::to_string(b.jitter_dist));
    if (b.delay_correlation_ppm) kv("delay_correlation", pct(b.delay_correlation_ppm));
  }
  if (b.loss_model == netem::LossModel::kGilbertElliott) {
    kv("loss_model", "gemodel");
    kv("gemodel_p", pct(b.gilbert.p_ppm));
    kv("gemodel_r", pct(b.gilbert.r_ppm));
    kv("gemodel_h", pct(b.gilbert.h_ppm));
    kv("gemodel_k", pct(b.gilbert.k_ppm));
  } else if (b.loss_ppm) {
    kv("loss", pct(b.loss_ppm));
    if (b.loss_correlation_ppm) kv("loss_correlation", pct(b.loss_correlation_ppm));
  }
  if (b.duplicate_ppm) kv("duplicate", pct(b.duplicate_ppm));
  if (b.corrupt_ppm) kv("corrupt", pct(b.corrupt_ppm));
  if (b.reorder_ppm) kv("reorder", pct(b.reorder_ppm));
  if (b.rate_bps) {
    kv("rate", std::to_string(b.rate_bps) + "bit");
    if (b.overhead_bytes) t += "overhead = " + std::to_string(b.overhead_bytes) + "\n";
  }
  if (b.limit_packets) t += "limit = " + std::to_string(b.limit_packets) + "\n";
  if (b.limit_bytes) kv("limit_bytes", std::to_string(b.limit_bytes) + "B");
  return t;
}

// A value as TOML: numbers and booleans as they are, anything else a string.
std::optional<toml::table> parse_toml(const std::string& text, const std::string& name, std::string* err = nullptr) {
  try {
    return toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    if (err) *err = std::string(e.description());
    return std::nullopt;
  }
}

std::string as_toml_value(const std::string& v) {
  auto probe = parse_toml("x = " + v, "<value>");
  if (probe && ((*probe)["x"].is_number() || (*probe)["x"].is_boolean())) return v;
  std::string q = "\"";
  for (char c : v) q += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return q + "\"";
}

}  // namespace

bool is_impairment_arg(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos) return false;
  const auto& keys = detail::impairment_keys();
  return std::find(keys.begin(), keys.end(), arg.substr(0, eq)) != keys.end();
}

Result<netem::Impairment> parse_impairment_args(const std::vector<std::string>& args, const netem::Impairment& base) {
  const auto& keys = detail::impairment_keys();
  std::string top;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const std::string where = "argument " + std::to_string(i + 1) + " (" + a + "): ";
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0)
      return logic_error(where + "expected key=value, e.g. delay=150ms or loss=2%");
    const std::string key = a.substr(0, eq);
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      return logic_error(where + "unknown impairment key '" + key + "'; " + detail::suggest(key, keys));
    top += key + " = " + as_toml_value(a.substr(eq + 1)) + "\n";
  }
  std::string err;
  auto base_doc = parse_toml(base_as_toml(base), "<current>", &err);
  if (!base_doc) return logic_error("internal: the current impairment does not read back: " + err);
  auto top_doc = parse_toml(top, "<command line>", &err);
  if (!top_doc) return logic_error("cannot read the arguments: " + err);
  detail::Diagnostics d("<command line>");
  const auto merged =
      detail::overlay(detail::impairment_nodes(*base_doc), detail::impairment_nodes(*top_doc));
  const auto read = detail::read_impairment(d, merged, /*check_combination=*/true);
  if (d.count() > 0 || !read.ok) {
    std::string msg;
    for (const auto& e : d.take()) msg += (msg.empty() ? "" : "; ") + e.message;
    return logic_error(msg.empty() ? "invalid impairment" : msg);
  }
  return read.imp;
}

}  // namespace faultline::model
