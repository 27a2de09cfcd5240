// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/traces.hpp"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "workloads/trace/trace_context.hpp"

namespace faultline::experiment {

namespace {

using nlohmann::json;
using workloads::trace::SpanCause;
using workloads::trace::SpanKind;
using workloads::trace::SpanRecord;
namespace trace = workloads::trace;

double round6(double v) { return std::round(v * 1e6) / 1e6; }

// What a span is about: its endpoint's path (a request), or the service it
// called (a call, an attempt).
std::string subject(const RecordSource& src, const SpanRecord& r, const ServiceAddresses& at) {
  if (r.name >= src.names.size()) return "";
  const std::string& n = src.names[r.name];
  if (r.kind == SpanKind::kRequest) return n;
  auto it = at.find(n);
  return it == at.end() ? n : it->second;
}

int64_t now_ns(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

json kv(const std::string& key, json value) { return {{"key", key}, {"value", std::move(value)}}; }
json str_value(const std::string& v) { return {{"stringValue", v}}; }
json int_value(int64_t v) { return {{"intValue", std::to_string(v)}}; }  // int64 as a string, as proto3 JSON has it
json bool_value(bool v) { return {{"boolValue", v}}; }

}  // namespace

ServiceAddresses service_addresses(const model::Topology& topo) {
  ServiceAddresses at;
  for (const auto& n : topo.nodes)
    for (const auto& s : n.services) at[n.name + ":" + std::to_string(s.port)] = s.name;
  return at;
}

ServiceAddresses service_addresses(const json& summary) {
  ServiceAddresses at;
  const json& services = summary.contains("topology") ? summary["topology"].value("services", json::array()) : json();
  for (const auto& s : services)
    if (s.is_object() && s.contains("node") && s.contains("port") && s.contains("name") && s["node"].is_string() &&
        s["port"].is_number_unsigned() && s["name"].is_string())
      at[s["node"].get<std::string>() + ":" + std::to_string(s["port"].get<unsigned>())] = s["name"].get<std::string>();
  return at;
}

json records_summary(const std::map<std::string, RecordSource>& records, const std::map<std::string, uint64_t>& ended) {
  json sources = json::object();
  uint64_t spans = 0, open = 0, dropped = 0, unsampled = 0, forgotten = 0, ends = 0;
  for (const auto& [name, s] : records) {
    const auto e = ended.find(name);
    const uint64_t n = e == ended.end() ? 0 : e->second;
    sources[name] = {{"spans", s.spans.size()},   {"open", s.open.size()}, {"dropped", s.dropped},
                     {"unsampled", s.unsampled}, {"forgotten", s.forgotten}, {"ended", n},
                     {"pulls", s.pulls}};
    spans += s.spans.size();
    open += s.open.size();
    dropped += s.dropped;
    unsampled += s.unsampled;
    forgotten += s.forgotten;
    ends += n;
  }
  return {{"spans", spans},
          {"open", open},
          {"dropped", dropped},
          {"unsampled", unsampled},
          {"forgotten", forgotten},
          {"ended", ends},
          {"complete", dropped == 0 && unsampled == 0 && forgotten == 0 && ends == 0},
          {"sources", sources}};
}

json first_failed_traces(const std::map<std::string, RecordSource>& records, const ServiceAddresses& at,
                         int64_t t0_ns, double from_s, size_t max) {
  auto sec = [t0_ns](int64_t ns) { return static_cast<double>(ns - t0_ns) / 1e9; };
  // The roots: load generators' calls, failed, in order of their start.
  std::vector<std::tuple<int64_t, std::string, const SpanRecord*>> roots;
  for (const auto& [name, src] : records)
    for (const auto& r : src.spans)
      if (r.kind == SpanKind::kCall && r.parent_id == 0 && trace::failed(r) && r.cause != SpanCause::kCancelled &&
          sec(r.start_ns) >= from_s)
        roots.emplace_back(r.start_ns, name, &r);
  std::sort(roots.begin(), roots.end(), [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
  if (roots.size() > max) roots.resize(max);
  std::set<std::pair<uint64_t, uint64_t>> wanted;
  for (const auto& [_, __, r] : roots) wanted.insert({r->trace_hi, r->trace_lo});
  std::map<std::pair<uint64_t, uint64_t>, std::vector<std::pair<std::string, const SpanRecord*>>> spans;
  for (const auto& [name, src] : records)
    for (const auto* v : {&src.spans, &src.open})
      for (const auto& r : *v)
        if (wanted.count({r.trace_hi, r.trace_lo})) spans[{r.trace_hi, r.trace_lo}].emplace_back(name, &r);
  json out = json::array();
  for (const auto& [_, source, root] : roots) {
    auto& list = spans[{root->trace_hi, root->trace_lo}];
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.second->start_ns < b.second->start_ns; });
    json js = json::array();
    for (const auto& [name, r] : list)
      js.push_back({{"id", trace::span_id_hex(r->span_id)},
                    {"parent", r->parent_id ? json(trace::span_id_hex(r->parent_id)) : json(nullptr)},
                    {"source", name},
                    {"kind", std::string(trace::to_string(r->kind))},
                    {"name", subject(records.at(name), *r, at)},
                    {"start_s", round6(sec(r->start_ns))},
                    {"end_s", round6(sec(r->end_ns))},
                    {"cause", std::string(trace::to_string(r->cause))},
                    {"status", r->status},
                    {"attempt", r->attempt},
                    {"hedge", (r->flags & trace::kFlagHedge) != 0},
                    {"fallback", (r->flags & trace::kFlagFallback) != 0},
                    {"open", trace::open(*r)}});
    out.push_back({{"trace_id", trace::trace_id_hex(root->trace_hi, root->trace_lo)},
                   {"source", source},
                   {"start_s", round6(sec(root->start_ns))},
                   {"cause", std::string(trace::to_string(root->cause))},
                   {"spans", js}});
  }
  return out;
}

RunClock read_run_clock(int64_t t0_monotonic_ns) {
  // Read together: the offset between the clocks, applied to the start.
  const int64_t mono = now_ns(CLOCK_MONOTONIC), unix_now = now_ns(CLOCK_REALTIME);
  return {t0_monotonic_ns, unix_now - (mono - t0_monotonic_ns)};
}

json otlp_json(const std::map<std::string, RecordSource>& records, const ServiceAddresses& at,
               const std::string& experiment, const RunClock& clock, std::optional<double> from_s,
               std::optional<double> to_s) {
  auto unix_ns = [&](int64_t mono) { return std::to_string(clock.t0_unix_ns + (mono - clock.t0_monotonic_ns)); };
  auto sec = [&](int64_t mono) { return static_cast<double>(mono - clock.t0_monotonic_ns) / 1e9; };
  json resource_spans = json::array();
  for (const auto& [name, src] : records) {
    json spans = json::array();
    for (const auto& r : src.spans) {
      if ((from_s && sec(r.start_ns) < *from_s) || (to_s && sec(r.start_ns) >= *to_s)) continue;
      const std::string what = subject(src, r, at);
      json s = {{"traceId", trace::trace_id_hex(r.trace_hi, r.trace_lo)},
                {"spanId", trace::span_id_hex(r.span_id)},
                {"startTimeUnixNano", unix_ns(r.start_ns)},
                {"endTimeUnixNano", unix_ns(std::max(r.end_ns, r.start_ns))}};
      if (r.parent_id) s["parentSpanId"] = trace::span_id_hex(r.parent_id);
      json attrs = json::array();
      switch (r.kind) {
        case SpanKind::kRequest:
          s["name"] = "GET " + what;
          s["kind"] = 2;  // SERVER
          attrs.push_back(kv("url.path", str_value(what)));
          break;
        case SpanKind::kCall:
          s["name"] = "call " + what;
          s["kind"] = 1;  // INTERNAL
          attrs.push_back(kv("faultline.attempts", int_value(r.attempt)));
          if (r.flags & trace::kFlagFallback) attrs.push_back(kv("faultline.fallback", bool_value(true)));
          break;
        case SpanKind::kAttempt:
          s["name"] = "GET " + what;
          s["kind"] = 3;  // CLIENT
          attrs.push_back(kv("server.address", str_value(r.name < src.names.size() ? src.names[r.name] : "")));
          attrs.push_back(kv("faultline.attempt", int_value(r.attempt)));
          if (r.flags & trace::kFlagHedge) attrs.push_back(kv("faultline.hedge", bool_value(true)));
          break;
      }
      if (r.status) attrs.push_back(kv("http.response.status_code", int_value(r.status)));
      attrs.push_back(kv("faultline.cause", str_value(std::string(trace::to_string(r.cause)))));
      s["attributes"] = attrs;
      // A failed call or attempt, or a request answered with an error, is
      // an error span; a 4xx answer is the caller's error, not the callee's.
      if (trace::failed(r) && r.cause != SpanCause::kHttp4xx)
        s["status"] = {{"code", 2}, {"message", std::string(trace::to_string(r.cause))}};
      else
        s["status"] = {{"code", 1}};
      spans.push_back(std::move(s));
    }
    if (spans.empty()) continue;
    resource_spans.push_back(
        {{"resource", {{"attributes", json::array({kv("service.name", str_value(name)),
                                                    kv("service.namespace", str_value(experiment))})}}},
         {"scopeSpans", json::array({{{"scope", {{"name", "faultline"}}}, {"spans", spans}}})}});
  }
  return {{"resourceSpans", resource_spans}};
}

}  // namespace faultline::experiment
