// SPDX-License-Identifier: Apache-2.0
// summary.json's schema (docs/summary.schema.json) against what make_summary
// writes: a summary made from synthetic series through the real analysis,
// expectations and host description matches it, with and without faults; a
// summary with a wrong type, a missing field, an unknown field or a value
// outside an enum does not. The validator is Debian's python3-jsonschema.
#include <gtest/gtest.h>

#include <string>

#include "orchestrator/experiment/collector.hpp"
#include "orchestrator/experiment/results.hpp"
#include "orchestrator/experiment/schedule.hpp"
#include "orchestrator/experiment/timeline.hpp"
#include "orchestrator/experiment/traces.hpp"
#include "orchestrator/model/loader.hpp"
#include "tests/support/chain_topology.hpp"
#include "orchestrator/experiment/flow_summary.hpp"
#include "tests/support/summary_schema.hpp"

using namespace faultline;
using namespace faultline::experiment;
using faultline::testing::matches_summary_schema;
using nlohmann::json;

namespace {

// The chain (client -> api -> app -> db) with app and db on a segment, a CPU
// cut on db and a delay on api-app from 10 to 15 s and three expectations.
const std::string kTopology = R"(
[experiment]
name = "schema"
seed = 9
duration = "30s"
warmup = "3s"
baseline = "6s"
horizon = "10s"
)" + std::string(faultline::testing::kChainNodes) + R"(
[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "app"]
[[segment]]
name = "backend"
members = ["app", "db"]
[[fault]]
at = "10s"
for = "5s"
target = "node:db"
cpu = 0.1
[[fault]]
at = "10s"
for = "5s"
target = "link:app-api"
delay = "5ms"
[expect]
recovers_within = "10s"
max_cumulative_amplification = 10
max_hop_amplification = 4
[[expect.check]]
name = "fast"
metric = "p99"
service = "api"
phase = "baseline"
threshold = 0.2
)";

constexpr size_t kTicks = 30;

// The series of a run in which db degrades 1 s into the fault, app 1 s later,
// api 1 s after that, the system collapses and everything recovers at 17 s.
SeriesStore run_series(const model::Topology& topo) {
  SeriesStore st;
  for (size_t i = 0; i < kTicks; ++i) {
    const bool hit = i >= 11 && i < 17;
    st.set(i, {"", "system", "offered_rps"}, 100);
    st.set(i, {"", "system", "goodput_rps"}, hit ? 5 : 99);
    st.set(i, {"", "system", "p99_s"}, hit ? 1.0 : 0.01);
    st.set(i, {"host", "", "host_cpu_cores"}, hit ? 1.9 : 0.8);
    const std::pair<const char*, size_t> from[] = {{"db", 11}, {"app", 12}, {"api", 13}};
    for (const auto& [svc, at] : from) {
      const bool down = i >= at && i < 17;
      st.set(i, {svc, svc, "goodput_rps"}, down ? 10 : 100);
      st.set(i, {svc, svc, "p99_s"}, down ? 0.9 : 0.01);
      st.set(i, {svc, svc, "up"}, 1);
      st.set(i, {svc, svc, "shed_rps"}, down ? 20 : 0);
      st.set(i, {svc, svc, "breaker_open"}, i >= 15 && i < 17 ? 1 : 0);
      st.set(i, {svc, svc, "retries_refused_rps"}, 0);
    }
    for (const auto& e : call_edges(topo)) st.set(i, {e.caller_node, e.series(), "attempts_rps"}, hit ? 300 : 100);
    // The wire: app's packets to db retransmitted from 11 s, db's resets to
    // api from 13 s; a drop or two between client and api all along.
    st.set(i, {"flow", "app->db", "retransmits_ps"}, i >= 11 && i < 17 ? 40 : 0);
    st.set(i, {"flow", "db->api", "resets_sent_ps"}, i >= 13 && i < 17 ? 5 : 0);
    st.set(i, {"flow", "client->api", "drops_pps"}, i % 4 == 0 ? 1 : 0);
  }
  return st;
}

// The request records of the same run: every 10 ms the client sends api a
// request, api calls app, app calls db; from 11 s db refuses (so app fails,
// then api), until 17 s. api's breaker refuses calls from 15 s; db sheds.
std::map<std::string, RecordSource> run_records(int64_t t0) {
  using workloads::trace::SpanCause;
  using workloads::trace::SpanKind;
  using workloads::trace::SpanRecord;
  std::map<std::string, RecordSource> rec;
  rec["load:client"].names = {"api:80"};
  rec["api"].names = {"/", "app:80"};
  rec["app"].names = {"/", "db:80"};
  rec["db"].names = {"/"};
  uint64_t id = 1;
  auto ns = [t0](double s) { return t0 + static_cast<int64_t>(s * 1e9); };
  auto add = [&](const std::string& src, SpanKind kind, uint16_t name, uint64_t trace, uint64_t parent, double start,
                 double end, SpanCause cause) {
    SpanRecord r;
    r.trace_hi = trace;
    r.trace_lo = 1;
    r.span_id = id++;
    r.parent_id = parent;
    r.kind = kind;
    r.name = name;
    r.start_ns = ns(start);
    r.end_ns = ns(end);
    r.cause = cause;
    r.status = cause == SpanCause::kOk ? 200 : 502;
    rec[src].spans.push_back(r);
    return r.span_id;
  };
  for (int k = 0; k < static_cast<int>(kTicks) * 100; ++k) {
    const double t = k * 0.01;
    const bool down = t >= 11 && t < 17;
    const auto c = down ? SpanCause::kConnect : SpanCause::kOk;
    const uint64_t trace = static_cast<uint64_t>(k) + 1;
    const uint64_t root = add("load:client", SpanKind::kCall, 0, trace, 0, t, t + 0.003, c);
    const uint64_t a1 = add("load:client", SpanKind::kAttempt, 0, trace, root, t, t + 0.003, c);
    const uint64_t req = add("api", SpanKind::kRequest, 0, trace, a1, t + 0.0002, t + 0.0028, down ? SpanCause::kDownstream : c);
    const bool refused = t >= 15 && t < 17;
    const uint64_t call = add("api", SpanKind::kCall, 1, trace, req, t + 0.0003, t + 0.0027,
                              refused ? SpanCause::kBreakerOpen : c);
    if (refused) continue;
    const uint64_t a2 = add("api", SpanKind::kAttempt, 1, trace, call, t + 0.0003, t + 0.0027, c);
    const uint64_t req2 = add("app", SpanKind::kRequest, 0, trace, a2, t + 0.0004, t + 0.0026, down ? SpanCause::kDownstream : c);
    const uint64_t call2 = add("app", SpanKind::kCall, 1, trace, req2, t + 0.0005, t + 0.0025, c);
    add("app", SpanKind::kAttempt, 1, trace, call2, t + 0.0005, t + 0.0025, c);
    if (!down) add("db", SpanKind::kRequest, 0, trace, 0, t + 0.0006, t + 0.0024, SpanCause::kOk);
    if (down && k % 10 == 0) add("db", SpanKind::kRequest, 0, trace, 0, t + 0.0006, t + 0.0007, SpanCause::kShedQueueFull);
  }
  for (auto& [name, s] : rec) s.pulls = kTicks;
  return rec;
}

json summary_of(const model::Topology& topo, bool with_fault) {
  const SeriesStore store = run_series(topo);
  PhaseTicks ph{3, 9, 10, 15, 25, kTicks, 1};
  const int64_t t0 = 1'000'000'000'000;
  const auto records = run_records(t0);
  Schedule sched;
  if (with_fault) sched = Schedule{true, 10'000'000'000, 15'000'000'000, 30'000'000'000};
  else sched.end_ns = 30'000'000'000;
  auto in = analysis_input(topo, store, ph, sched, RequestData{&records, t0, 30.0});
  in.th = thresholds_of(topo.expect.judge, topo.experiment);
  const auto findings = analysis::analyse(in);
  const auto verdicts = evaluate(topo, topo.expect, findings, store, ph, 10);

  runtime::Probe probe;
  using K = runtime::KernelFeature;
  probe.features = {{K::kSchNetem, false, ""}, {K::kClsact, true, ""}, {K::kClsBpf, true, ""}};
  probe.cgroup_layout = "v1 cpu,memory + v2";
  SummaryInputs si;
  si.topo = &topo;
  si.file = "schema.toml";
  si.variant = "retries";
  si.run = "t1";
  si.repeat = 1;
  si.overrides = {"node.api.service.80.calls.app:80.retries=2"};
  si.host = host_json(probe, 2, 1.4, host_use(store, 2));
  si.figures = key_figures(store, ph, with_fault);
  // As the runner writes them (runner.cpp).
  si.phases = {{"tick_s", 1.0},
               {"warmup_end_s", 3.0},
               {"baseline", {3.0, 9.0}},
               {"first_fault_s", with_fault ? json(10.0) : json(nullptr)},
               {"last_fault_end_s", with_fault ? json(15.0) : json(nullptr)},
               {"end_s", 30.0},
               {"t0_monotonic_ns", t0},
               {"t0_unix_ns", int64_t{1'796'550'000'000'000'000}}};
  if (with_fault)
    for (size_t k = 0; k < topo.faults.size(); ++k) {
      const auto& f = topo.faults[k];
      si.faults.push_back({k, describe_target(f.target), describe_fault(f), 10, 5, 10.0, std::nullopt,
                           f.target.kind == model::FaultTarget::Kind::kLink ? std::optional(f.target.link) : std::nullopt});
    }
  si.analysis = &findings;
  si.thresholds = &in.th;
  si.verdicts = &verdicts;
  si.any_fault = with_fault;
  if (with_fault) si.first_fault_s = 10.0;
  si.horizon_s = 10;
  si.records = records_summary(records);
  si.traces = first_failed_traces(records, service_addresses(topo), t0, with_fault ? 10.0 : 0.0);
  si.flow = flow_summary(store, ph, si.first_fault_s, "");
  return make_summary(si);
}

class SummarySchema : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = model::load_string(kTopology, "schema.toml");
    ASSERT_TRUE(r.topology) << (r.errors.empty() ? "" : r.errors.front().str());
    topo_ = *r.topology;
    summary_ = summary_of(topo_, true);
  }
  // The validator's failure for `s`, which must not match.
  std::string failure(const json& s) {
    const auto r = matches_summary_schema(s);
    EXPECT_FALSE(r) << s.dump(2);
    return r ? "" : r.message();
  }
  model::Topology topo_;
  json summary_;
};

}  // namespace

TEST_F(SummarySchema, WhatMakeSummaryWritesMatchesIt) {
  EXPECT_TRUE(matches_summary_schema(summary_));
  // The summary exercises every part of the schema: no empty lists where
  // the schema describes items.
  for (const char* k : {"faults", "propagation", "amplification", "controls", "expectations", "traces"})
    EXPECT_FALSE(summary_[k].empty()) << k;
  EXPECT_EQ(summary_["topology"]["segments"].size(), 1u);
  EXPECT_FALSE(summary_["health"]["calls"].empty());
  EXPECT_FALSE(summary_["traces"][0]["spans"].empty());
  EXPECT_TRUE(summary_.contains("config"));
  EXPECT_TRUE(summary_.contains("thresholds"));
  EXPECT_EQ(summary_["verdict"]["collapsed"], true);
  EXPECT_TRUE(summary_["faults"][0]["reverted_s"].is_null());
  EXPECT_FALSE(summary_["host"]["features"].empty());
  EXPECT_FALSE(summary_["health"]["services"].empty());
  // The lint's figures on paper, for every service and load.
  EXPECT_EQ(summary_["predictions"]["services"].size(), 3u) << summary_["predictions"].dump(2);
  EXPECT_TRUE(summary_["predictions"]["services"]["db"]["mean_s"].is_number());
  EXPECT_TRUE(summary_["predictions"]["loads"].contains("client"));
  // The wire: app->db first (retransmissions from 11 s), then db->api; the
  // drops client->api never rose above their baseline.
  EXPECT_EQ(summary_["flow"]["first_bad_edge"], "app->db") << summary_["flow"].dump(2);
  ASSERT_EQ(summary_["flow"]["order"].size(), 2u);
  EXPECT_EQ(summary_["flow"]["order"][1]["edge"], "db->api");
  EXPECT_EQ(summary_["flow"]["order"][1]["after_fault_s"], 3.0);
}

TEST_F(SummarySchema, ARunWithoutFaultsMatchesIt) {
  const json s = summary_of(topo_, false);
  EXPECT_TRUE(s["verdict"]["recovered"].is_null());
  EXPECT_TRUE(s["phases"]["first_fault_s"].is_null());
  EXPECT_TRUE(s["figures"]["goodput_during_fault_rps"].is_null());
  EXPECT_TRUE(matches_summary_schema(s));
}

TEST_F(SummarySchema, AWrongTypeFailsAndIsNamed) {
  json s = summary_;
  s["verdict"]["collapsed"] = "yes";
  const std::string why = failure(s);
  EXPECT_NE(why.find("/verdict/collapsed: 'yes' is not of type 'boolean'"), std::string::npos) << why;

  s = summary_;
  s["faults"][0]["index"] = 1.5;
  EXPECT_NE(failure(s).find("/faults/0/index"), std::string::npos);
  s = summary_;
  s["experiment"]["seed"] = "9";
  EXPECT_NE(failure(s).find("/experiment/seed"), std::string::npos);
}

TEST_F(SummarySchema, AMissingOrUnknownFieldFails) {
  json s = summary_;
  s.erase("passed");
  EXPECT_NE(failure(s).find("'passed' is a required property"), std::string::npos);
  s = summary_;
  s["propagation"][0].erase("simultaneous");
  EXPECT_NE(failure(s).find("/propagation/0: 'simultaneous' is a required property"), std::string::npos);
  // A field make_summary starts writing must be added to the schema too.
  s = summary_;
  s["verdict"]["onset_s"] = 3;
  EXPECT_NE(failure(s).find("/verdict: Additional properties are not allowed ('onset_s' was unexpected)"),
            std::string::npos);
}

TEST_F(SummarySchema, AValueOutsideItsEnumOrPatternFails) {
  json s = summary_;
  s["controls"][0]["control"] = "magic";
  EXPECT_NE(failure(s).find("/controls/0/control"), std::string::npos);
  s = summary_;
  s["expectations"][0]["op"] = "=";
  EXPECT_NE(failure(s).find("/expectations/0/op"), std::string::npos);
  s = summary_;
  s["health"]["services"]["db"] = "hhx";
  EXPECT_NE(failure(s).find("/health/services/db"), std::string::npos);
  s = summary_;
  s["faults"][0]["target"] = "db";
  EXPECT_NE(failure(s).find("/faults/0/target"), std::string::npos);
  // A link fault's link is its two nodes, no other shape.
  ASSERT_EQ(summary_["faults"][1]["link"], json::array({"api", "app"})) << summary_["faults"][1].dump();
  s = summary_;
  s["faults"][1]["link"] = "api-app";
  EXPECT_NE(failure(s).find("/faults/1/link"), std::string::npos);
  s["faults"][1]["link"] = json::array({"api"});
  EXPECT_NE(failure(s).find("/faults/1/link"), std::string::npos);
  s = summary_;
  s["predictions"]["services"]["db"]["utilisation"] = -0.5;
  EXPECT_NE(failure(s).find("/predictions/services/db/utilisation"), std::string::npos);
  s = summary_;
  s["predictions"]["model"] = "M/D/1";
  EXPECT_NE(failure(s).find("/predictions/model"), std::string::npos);
  s = summary_;
  s["verdict"]["blast_radius"] = 1.5;
  EXPECT_NE(failure(s).find("/verdict/blast_radius"), std::string::npos);
}
