// SPDX-License-Identifier: Apache-2.0
// The flow view's per-tick arithmetic (experiment/flow_counters.hpp) on
// counters handed in as the programs would give them: rates over the tick's
// real time, the RTT as a mean over the tick's packets, a counter that went
// back giving no value, addresses mapped to the plan's node pairs (packets
// only where their sender sent them), and the run-queue delay per node.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>

#include "orchestrator/experiment/flow_counters.hpp"
#include "orchestrator/model/loader.hpp"
#include "orchestrator/plan/plan.hpp"
#include "tests/support/chain_topology.hpp"

using namespace faultline;
using experiment::FlowCounters;
using experiment::NetSample;

namespace {

plan::Plan line_plan() {
  auto lr = model::load_string(faultline::testing::kThreeNodeChain, "line.toml");
  EXPECT_TRUE(lr.topology) << (lr.errors.empty() ? "" : lr.errors.front().str());
  return plan::make_plan(*lr.topology, "fc");
}

// The programs' node indexes, as runtime::Run::flow_nodes() gives them.
const std::vector<std::string> kNodes = {"client", "api", "db"};
constexpr uint32_t kClient = 0, kApi = 1, kDb = 2;

// The address `node` has toward `peer` (host byte order, as the loader reads it).
uint32_t addr(const plan::Plan& p, const std::string& node, const std::string& peer) {
  for (const auto& a : p.addresses)
    if (a.node == node && a.ifname == peer) return a.prefix.addr;
  ADD_FAILURE() << "no address of " << node << " toward " << peer;
  return 0;
}

std::optional<double> value(const std::vector<NetSample>& out, const std::string& node, const std::string& svc,
                            const std::string& metric) {
  for (const auto& s : out)
    if (s.node == node && s.service == svc && s.metric == metric) return s.value;
  return std::nullopt;
}

// Counters handed to FlowCounters by the test, changed between ticks.
struct Feed {
  ebpf::FlowSnapshot snap;
  bool fail = false;
  FlowCounters::Reader reader() {
    return [this]() -> Result<ebpf::FlowSnapshot> {
      if (fail) return logic_error("refused");
      return snap;
    };
  }
};

}  // namespace

TEST(FlowCounters, RatesAreOverTheTicksRealTimeAndPairsAreTheSendersNodes) {
  const auto p = line_plan();
  const uint32_t c = addr(p, "client", "api"), a = addr(p, "api", "client");
  Feed f;
  FlowCounters fc(p, kNodes, f.reader());
  EXPECT_TRUE(fc.tick(0).empty()) << "the first call only takes the starting values";
  // client sent 300 packets to api and retransmitted 6; api's kernel took
  // 2 resets from client; api (not the sender) also saw 50 of client's
  // packets: it forwards nothing here, and its view is not the sender's.
  f.snap.flows[{kClient, c, a}].packets = 300;
  f.snap.flows[{kClient, c, a}].bytes = 150'000;
  f.snap.flows[{kClient, c, a}].retransmits = 6;
  f.snap.flows[{kApi, c, a}].resets_received = 2;
  f.snap.flows[{kApi, c, a}].packets = 50;
  const auto out = fc.tick(1.5);
  EXPECT_EQ(value(out, "flow", "client->api", "flow_pps"), 200.0);
  EXPECT_EQ(value(out, "flow", "client->api", "retransmits_ps"), 4.0);
  EXPECT_DOUBLE_EQ(*value(out, "flow", "client->api", "flow_mbps"), 150'000 * 8 / 1e6 / 1.5);
  EXPECT_DOUBLE_EQ(*value(out, "flow", "client->api", "resets_received_ps"), 2 / 1.5);
  EXPECT_FALSE(value(out, "flow", "api->client", "flow_pps")) << "nothing travelled api -> client";
  // Next tick: 0.5 s, 100 more packets.
  f.snap.flows[{kClient, c, a}].packets = 400;
  const auto next = fc.tick(0.5);
  EXPECT_EQ(value(next, "flow", "client->api", "flow_pps"), 200.0);
  EXPECT_EQ(value(next, "flow", "client->api", "retransmits_ps"), 0.0);
}

TEST(FlowCounters, AddressesOutsideThePlanAndWithinANodeAreNoPair) {
  const auto p = line_plan();
  const uint32_t a = addr(p, "api", "db"), d = addr(p, "db", "api");
  const uint32_t a2 = addr(p, "api", "client");
  Feed f;
  FlowCounters fc(p, kNodes, f.reader());
  (void)fc.tick(0);
  f.snap.flows[{kApi, a, 0x08080808}].retransmits = 9;  // 8.8.8.8: no node's
  f.snap.flows[{kApi, a, a2}].retransmits = 9;          // api to api
  f.snap.flows[{kDb, d, a}].drops = 3;                   // drops count wherever seen
  const auto out = fc.tick(1);
  for (const auto& s : out) {
    if (s.node == "flow") {
      EXPECT_EQ(s.service, "db->api") << s.metric;
    }
  }
  EXPECT_EQ(value(out, "flow", "db->api", "drops_pps"), 3.0);
}

TEST(FlowCounters, RttIsTheMeanOverThePacketsSentInTheTick) {
  const auto p = line_plan();
  const uint32_t c = addr(p, "client", "api"), a = addr(p, "api", "client");
  Feed f;
  FlowCounters fc(p, kNodes, f.reader());
  (void)fc.tick(0);
  auto& k = f.snap.flows[{kClient, c, a}];
  k.srtt_us_sum = 3000;  // three packets at 0.5, 1 and 1.5 ms
  k.srtt_samples = 3;
  EXPECT_DOUBLE_EQ(*value(fc.tick(1), "flow", "client->api", "srtt_s"), 0.001);
  k.srtt_us_sum += 2 * 4000;  // two at 4 ms
  k.srtt_samples += 2;
  EXPECT_DOUBLE_EQ(*value(fc.tick(1), "flow", "client->api", "srtt_s"), 0.004) << "the tick's packets, not all so far";
  EXPECT_FALSE(value(fc.tick(1), "flow", "client->api", "srtt_s")) << "no packet sent: no RTT, not 0";
}

TEST(FlowCounters, ACounterThatWentBackGivesNoValueThenCountsOnFromThere) {
  const auto p = line_plan();
  const uint32_t c = addr(p, "client", "api"), a = addr(p, "api", "client");
  Feed f;
  FlowCounters fc(p, kNodes, f.reader());
  f.snap.flows[{kClient, c, a}].retransmits = 10;
  (void)fc.tick(0);
  f.snap.flows[{kClient, c, a}].retransmits = 4;  // reloaded programs, or a wrapped counter
  f.snap.flows[{kClient, c, a}].packets = 20;
  const auto out = fc.tick(1);
  EXPECT_FALSE(value(out, "flow", "client->api", "retransmits_ps")) << "no negative or huge rate";
  EXPECT_EQ(value(out, "flow", "client->api", "flow_pps"), 20.0) << "the other counters go on";
  f.snap.flows[{kClient, c, a}].retransmits = 8;
  EXPECT_EQ(value(fc.tick(2), "flow", "client->api", "retransmits_ps"), 2.0);
  // A reading that fails gives nothing, and the next counts from the last
  // good one, over the time since.
  f.fail = true;
  EXPECT_TRUE(fc.tick(1).empty());
  f.fail = false;
  f.snap.flows[{kClient, c, a}].retransmits = 11;
  EXPECT_EQ(value(fc.tick(1), "flow", "client->api", "retransmits_ps"), 1.5) << "3 over 2 s";
}

TEST(FlowCounters, RunQueueDelayPerNodeIsTheTicksWaits) {
  const auto p = line_plan();
  Feed f;
  FlowCounters fc(p, kNodes, f.reader());
  f.snap.runq[kDb];
  f.snap.runq[kApi];
  f.snap.runq[7].waits = 5;  // an index no node has
  (void)fc.tick(0);
  // db's tasks waited 300 ms over 100 waits of ~3 ms in 2 s.
  auto& db = f.snap.runq[kDb];
  db.delay_ns = 300'000'000;
  db.waits = 100;
  db.hist[12] = 100;  // [2048, 4096) us
  const auto out = fc.tick(2);
  EXPECT_DOUBLE_EQ(*value(out, "db", "", "runq_wait_share"), 0.15);
  EXPECT_DOUBLE_EQ(*value(out, "db", "", "runq_delay_s"), 0.003);
  const double p99 = *value(out, "db", "", "runq_p99_s");
  EXPECT_GT(p99, 2.048e-3);
  EXPECT_LT(p99, 4.096e-3);
  // api's tasks never waited: a share of 0, and no mean of no waits.
  EXPECT_EQ(value(out, "api", "", "runq_wait_share"), 0.0);
  EXPECT_FALSE(value(out, "api", "", "runq_delay_s"));
  for (const auto& s : out) {
    if (s.metric.rfind("runq_", 0) == 0) {
      EXPECT_TRUE(s.node == "db" || s.node == "api") << "node index 7: " << s.node;
    }
  }
  // One more wait of ~1 s: the p99 of the tick is in its bucket.
  db.delay_ns += 1'000'000'000;
  db.waits += 1;
  db.hist[20] += 1;  // [2^19, 2^20) us
  const auto one = fc.tick(1);
  EXPECT_DOUBLE_EQ(*value(one, "db", "", "runq_delay_s"), 1.0);
  EXPECT_DOUBLE_EQ(*value(one, "db", "", "runq_wait_share"), 1.0);
  EXPECT_GE(*value(one, "db", "", "runq_p99_s"), 0.524288);
}

TEST(FlowCounters, BucketBoundsDoubleFromOneMicrosecond) {
  EXPECT_DOUBLE_EQ(ebpf::runq_bucket_upper_s(0), 1e-6);
  EXPECT_DOUBLE_EQ(ebpf::runq_bucket_upper_s(12), 4096e-6);
  EXPECT_TRUE(std::isinf(ebpf::runq_bucket_upper_s(FL_RUNQ_BUCKETS - 1)));
}
