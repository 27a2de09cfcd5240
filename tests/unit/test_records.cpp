// SPDX-License-Identifier: Apache-2.0
// The request records' store: pulls as the workloads send them (the wire
// encoding of workloads/trace), put together per source, written to
// records.bin and read back, and let go by forget() in an `up` session,
// which must keep the baseline's records and count what it let go.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "orchestrator/experiment/collector.hpp"
#include "orchestrator/experiment/records.hpp"
#include "orchestrator/experiment/traces.hpp"
#include "orchestrator/model/loader.hpp"
#include "workloads/trace/wire.hpp"

using namespace faultline;
using namespace faultline::experiment;
using workloads::trace::SpanRecord;

namespace {

constexpr int64_t kS = 1'000'000'000;

// One pull of `n` completed 10 ms requests, one every 100 ms from `from_s`,
// and one still open.
std::string pull(double from_s, int n, int64_t now_ns) {
  std::vector<SpanRecord> done;
  for (int i = 0; i < n; ++i) {
    SpanRecord r;
    r.trace_lo = static_cast<uint64_t>(i) + 1;
    r.span_id = static_cast<uint64_t>(i) + 1;
    r.start_ns = static_cast<int64_t>((from_s + 0.1 * i) * 1e9);
    r.end_ns = r.start_ns + kS / 100;
    r.status = 200;
    done.push_back(r);
  }
  SpanRecord open;
  open.span_id = 999;
  open.start_ns = now_ns - kS / 100;
  open.end_ns = now_ns;
  open.flags = workloads::trace::kFlagOpen;
  std::string body;
  workloads::trace::encode({"/"}, done.data(), done.size(), &open, 1, 0, 0, now_ns, body);
  return body;
}

size_t started_in(const RecordSource& s, double from_s, double to_s) {
  size_t n = 0;
  for (const auto& r : s.spans)
    if (r.start_ns >= static_cast<int64_t>(from_s * 1e9) && r.start_ns < static_cast<int64_t>(to_s * 1e9)) ++n;
  return n;
}

}  // namespace

TEST(RecordStore, ForgetLetsGoOfOldSpansButKeepsTheBaselineAndCountsThem) {
  RecordStore store;
  // 0-10 s: 100 spans a pull (one pull per 10 s), for 60 s.
  for (int k = 0; k < 6; ++k) ASSERT_TRUE(store.add("db", pull(10.0 * k, 100, (10 * k + 10) * kS)).ok());
  ASSERT_EQ(store.spans(), 600u);
  // Keep the baseline [10 s, 20 s) and what ended from 45 s on.
  store.forget(45 * kS, 10 * kS, 20 * kS);
  const auto& db = store.sources().at("db");
  EXPECT_EQ(started_in(db, 10, 20), 100u) << "the baseline is kept whole";
  EXPECT_EQ(started_in(db, 0, 10), 0u);
  EXPECT_EQ(started_in(db, 20, 44.9), 0u);
  // 44.99 s started at 44.9 and ended at 44.91: gone; 45.0 from on kept.
  EXPECT_EQ(started_in(db, 45, 60), 150u);
  EXPECT_EQ(db.forgotten, 600u - 100u - 150u);
  EXPECT_EQ(db.open.size(), 1u) << "spans in flight are never let go";
  // What the analysis is told: not complete any more, and by how much.
  const auto sum = records_summary(store.sources());
  EXPECT_EQ(sum["forgotten"], 350);
  EXPECT_EQ(sum["sources"]["db"]["forgotten"], 350);
  EXPECT_FALSE(sum["complete"].get<bool>());
  // Again, later: nothing is counted twice, pulls after it merge as before.
  store.forget(45 * kS, 10 * kS, 20 * kS);
  EXPECT_EQ(store.sources().at("db").forgotten, 350u);
  ASSERT_TRUE(store.add("db", pull(60, 100, 70 * kS)).ok());
  store.forget(65 * kS, 10 * kS, 20 * kS);
  EXPECT_EQ(started_in(store.sources().at("db"), 45, 65), 0u);
  EXPECT_EQ(started_in(store.sources().at("db"), 65, 70), 50u);
  EXPECT_EQ(started_in(store.sources().at("db"), 10, 20), 100u);
}

// A process that ended in a source's node took its unpulled records with
// it: counted for that source only, and the records are not complete.
TEST(RecordStore, AnEndedProcessMakesItsSourcesRecordsIncomplete) {
  RecordStore store;
  ASSERT_TRUE(store.add("api", pull(0, 10, 2 * kS)).ok());
  ASSERT_TRUE(store.add("db", pull(0, 10, 2 * kS)).ok());
  const auto sum = records_summary(store.sources(), {{"db", 2}});
  EXPECT_EQ(sum["ended"], 2);
  EXPECT_EQ(sum["sources"]["db"]["ended"], 2);
  EXPECT_EQ(sum["sources"]["api"]["ended"], 0);
  EXPECT_FALSE(sum["complete"].get<bool>());
  EXPECT_TRUE(records_summary(store.sources(), {{"db", 0}})["complete"].get<bool>());
}

// An exit counts for every records source of its node, and only those.
TEST(RecordStore, EndedProcessesCountForTheSourcesOfTheirNode) {
  auto lr = model::load_string(R"(
[[node]]
name = "client"
load = { target = "api:8080", rate = 10 }
[[node]]
name = "api"
  [[node.service]]
  port = 8080
  [[node.service]]
  port = 8081
[[node]]
name = "idle"
[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "idle"]
)", "ended.toml");
  ASSERT_TRUE(lr.topology) << (lr.errors.empty() ? "" : lr.errors.front().str());
  // Each exit counts for the workload it was: api's second service crashed
  // twice, the first once, the load generator once; a command (no records)
  // and the idle node's process count for nothing; an exit of an unknown
  // process counts for every source of its node.
  using plan::ProcessRole;
  // An exit of node `node`, of a process the plan started as (role, service).
  auto exit = [](const char* node, ProcessRole role, const char* service) {
    return runtime::ProcessExit{node, {}, 0, {"", role, service}};
  };
  const auto ended = ended_per_source(*lr.topology, {exit("api", ProcessRole::kService, "api-8081"),
                                                     exit("client", ProcessRole::kLoad, ""),
                                                     exit("api", ProcessRole::kService, "api-8081"),
                                                     exit("api", ProcessRole::kService, "api"),
                                                     exit("api", ProcessRole::kCommand, ""),
                                                     exit("idle", ProcessRole::kCommand, ""),
                                                     exit("fabric", ProcessRole::kUnknown, "")});
  EXPECT_EQ(ended, (std::map<std::string, uint64_t>{{"api", 1}, {"api-8081", 2}, {"load:client", 1}}));
  EXPECT_EQ(ended_per_source(*lr.topology, {exit("api", ProcessRole::kUnknown, "")}),
            (std::map<std::string, uint64_t>{{"api", 1}, {"api-8081", 1}}));
  // A service is matched by its whole name, and a load is no service.
  EXPECT_EQ(ended_per_source(*lr.topology, {exit("api", ProcessRole::kService, "api-80")}),
            (std::map<std::string, uint64_t>{}));
  EXPECT_EQ(ended_per_source(*lr.topology, {exit("api", ProcessRole::kLoad, "")}),
            (std::map<std::string, uint64_t>{}));
  EXPECT_TRUE(ended_per_source(*lr.topology, {}).empty());
}

TEST(RecordStore, ARunThatForgetsNothingIsComplete) {
  RecordStore store;
  ASSERT_TRUE(store.add("api", pull(0, 10, 2 * kS)).ok());
  const auto sum = records_summary(store.sources());
  EXPECT_EQ(sum["forgotten"], 0);
  EXPECT_TRUE(sum["complete"].get<bool>());
  EXPECT_EQ(sum["spans"], 10);
}

TEST(RecordStore, WhatWasWrittenIsReadBackWhateverWasForgotten) {
  char tmpl[] = "/tmp/fl-records-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ::close(fd);
  {
    auto store = RecordStore::open(tmpl);
    ASSERT_TRUE(store.ok()) << store.error().message();
    ASSERT_TRUE(store.value().add("db", pull(0, 50, 6 * kS)).ok());
    ASSERT_TRUE(store.value().add("db", pull(6, 50, 12 * kS)).ok());
    store.value().forget(11 * kS, 0, 0);
    EXPECT_LT(store.value().spans(), 100u);
  }
  auto back = read_records(tmpl);
  ::unlink(tmpl);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back.value().at("db").spans.size(), 100u) << "records.bin keeps every pull";
  EXPECT_EQ(back.value().at("db").forgotten, 0u);
}
