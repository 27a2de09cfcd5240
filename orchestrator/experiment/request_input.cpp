// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/request_input.hpp"
#include "orchestrator/model/series_names.hpp"

#include <algorithm>
#include <unordered_map>

namespace faultline::experiment {

namespace {

using workloads::trace::SpanCause;
using workloads::trace::SpanKind;
using workloads::trace::SpanRecord;

struct TraceKey {
  uint64_t hi, lo;
  bool operator==(const TraceKey&) const = default;
};
struct TraceHash {
  size_t operator()(const TraceKey& k) const { return k.hi * 0x9e3779b97f4a7c15ULL ^ k.lo; }
};

bool shed(SpanCause c) {
  return c == SpanCause::kShedQueueFull || c == SpanCause::kShedQueueDelay || c == SpanCause::kShedAbandoned;
}

}  // namespace

std::vector<std::string> controls_of(const model::Service& s) {
  bool breaker = false, budget = false;
  for (const auto& ep : s.endpoints)
    for (const auto& c : ep.calls) {
      breaker = breaker || c.breaker.enabled;
      budget = budget || ((c.retries > 0 || c.hedge_ns > 0) && (c.budget_ppm > 0 || c.throttle.max_tokens > 0));
    }
  std::vector<std::string> out{"shedding"};
  if (breaker) out.push_back("breaker");
  if (budget) out.push_back("retry budget");
  return out;
}

void add_requests(const model::Topology& topo, const std::map<std::string, RecordSource>& records, int64_t t0_ns,
                  analysis::Input& in) {
  // "node:port" -> the service there.
  std::map<std::string, std::string> at;
  for (const auto& n : topo.nodes)
    for (const auto& s : n.services) at[n.name + ":" + std::to_string(s.port)] = s.name;
  std::map<std::string, analysis::ServiceInput*> service;
  for (auto& s : in.services) service[s.name] = &s;
  std::map<std::pair<std::string, std::string>, analysis::EdgeInput*> edge;
  for (auto& e : in.edges) edge[{e.caller, e.callee}] = &e;
  for (const auto& n : topo.nodes)
    for (const auto& s : n.services)
      if (auto it = service.find(s.name); it != service.end())
        for (const auto& c : controls_of(s)) it->second->controls[c];

  auto sec = [t0_ns](int64_t ns) { return static_cast<double>(ns - t0_ns) / 1e9; };
  // Organic requests: the load generators' root spans, by trace.
  std::unordered_map<TraceKey, double, TraceHash> organic;
  for (const auto& [caller, src] : records)
    for (const auto& r : src.spans)
      if (r.kind == SpanKind::kCall && r.parent_id == 0 && model::series::is_load(caller)) {
        organic.emplace(TraceKey{r.trace_hi, r.trace_lo}, sec(r.start_ns));
        in.organic_starts_s.push_back(sec(r.start_ns));
      }
  std::sort(in.organic_starts_s.begin(), in.organic_starts_s.end());
  for (const auto& record : records) {
    // Named, not a structured binding: add_try captures them, which clang 14
    // cannot do for a binding.
    const auto& caller = record.first;
    const auto& src = record.second;
    // Amplification: each call with the attempts it sent; each organic
    // request with every attempt it caused on the edge (all spans, those
    // still open at the end too: each was sent).
    std::map<std::string, std::unordered_map<TraceKey, uint32_t, TraceHash>> per_request;
    for (const auto* v : {&src.spans, &src.open})
      for (const auto& r : *v) {
        if (r.name >= src.names.size()) continue;
        const auto callee = at.find(src.names[r.name]);
        if (callee == at.end()) continue;
        const auto e = edge.find({caller, callee->second});
        if (e == edge.end()) continue;
        if (r.kind == SpanKind::kCall && v == &src.spans) e->second->call_attempts.push_back({sec(r.start_ns), r.attempt});
        if (r.kind == SpanKind::kAttempt) ++per_request[callee->second][TraceKey{r.trace_hi, r.trace_lo}];
      }
    for (const auto& [callee, traces] : per_request) {
      auto* e = edge.at({caller, callee});
      for (const auto& [trace, n] : traces)
        if (auto o = organic.find(trace); o != organic.end()) e->request_attempts.push_back({o->second, n});
    }
    auto add_try = [&](const SpanRecord& r, bool open) {
      if (r.kind != SpanKind::kAttempt || r.cause == SpanCause::kCancelled || r.name >= src.names.size()) return;
      const auto callee = at.find(src.names[r.name]);
      if (callee == at.end()) return;
      const analysis::Try t{sec(r.start_ns), sec(r.end_ns), r.cause == SpanCause::kOk || r.cause == SpanCause::kHttp4xx,
                            open};
      if (auto s = service.find(callee->second); s != service.end()) s->second->tries.push_back(t);
      if (auto e = edge.find({caller, callee->second}); e != edge.end()) e->second->tries.push_back(t);
    };
    for (const auto& r : src.spans) add_try(r, false);
    for (const auto& r : src.open) add_try(r, true);
    // The caller's own controls, where it has them.
    auto me = service.find(caller);
    if (me == service.end()) continue;
    auto& ctl = me->second->controls;
    auto note = [&](const char* control, double t) {
      if (auto it = ctl.find(control); it != ctl.end()) it->second.push_back(t);
    };
    for (const auto& r : src.spans) {
      if (r.kind == SpanKind::kCall && r.cause == SpanCause::kBreakerOpen) note("breaker", sec(r.start_ns));
      if (r.kind == SpanKind::kCall && (r.cause == SpanCause::kBudgetExhausted || r.cause == SpanCause::kThrottled))
        note("retry budget", sec(r.end_ns));
      if (r.kind == SpanKind::kRequest && shed(r.cause)) note("shedding", sec(r.end_ns));
    }
  }
  for (auto& s : in.services)
    for (auto& [_, times] : s.controls) std::sort(times.begin(), times.end());
}

}  // namespace faultline::experiment
