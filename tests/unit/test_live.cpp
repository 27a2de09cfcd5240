// SPDX-License-Identifier: Apache-2.0
// The live view's data (experiment/live.hpp) from a synthetic store and
// fault list: the figures of the last tick per service and node, limits in
// force, faults in force with their time left (a timeline's) or none (typed
// live), and the report's columnar series straight from the store.
#include <gtest/gtest.h>

#include <string>

#include "orchestrator/experiment/live.hpp"
#include "orchestrator/model/loader.hpp"
#include "tests/support/chain_topology.hpp"

using namespace faultline::model::literals;

using namespace faultline;
using namespace faultline::experiment;

namespace {

model::Topology chain() {
  auto r = model::load_string(std::string("[experiment]\nname = \"live\"\nwarmup = \"1s\"\nbaseline = \"2s\"\n") +
                                  faultline::testing::kChainNodes +
                                  "[[link]]\nbetween = [\"client\", \"api\"]\n[[link]]\nbetween = [\"api\", \"app\"]\n"
                                  "[[link]]\nbetween = [\"app\", \"db\"]\n",
                              "live.toml");
  EXPECT_TRUE(r.topology) << (r.errors.empty() ? "" : r.errors.front().str());
  return r.topology ? *r.topology : model::Topology{};
}

const nlohmann::json* find(const nlohmann::json& arr, const std::string& name) {
  for (const auto& x : arr)
    if (x.value("name", "") == name) return &x;
  return nullptr;
}

}  // namespace

TEST(Live, NowCarriesTheLastTickAndTheFaultsInForce) {
  const auto topo = chain();
  SeriesStore st;
  for (size_t i = 0; i < 6; ++i) {
    st.set_time(i, static_cast<double>(i + 1));
    st.set(i, {"db", "db", "requests_rps"}, 10.0 + static_cast<double>(i));
    st.set(i, {"db", "db", "queue_depth"}, static_cast<double>(i));
    st.set(i, {"db", "", "cpu_cores"}, 0.25);
    st.set(i, {"db", "", "memory_bytes"}, 1 << 20);
  }
  LiveInput in;
  in.topo = &topo;
  in.run = "r1";
  in.source = "run";
  in.store = &st;
  in.now_s = 6.0;
  in.phase = "fault";
  FaultRecord planned{0, "node:db", "cpu 0.1", 4.0, 10.0, 4.0, std::nullopt, std::nullopt};
  FaultRecord over{1, "link:api-db", "delay=5ms", 1.0, 1.0, 1.0, 2.0, model::LinkId{"api"_node, "db"_node}};
  FaultRecord future{2, "node:app", "pause", 20.0, 1.0, std::nullopt, std::nullopt, std::nullopt};
  in.faults = {planned, over, future};
  in.limits["db"] = runtime::CgroupLimits{500, 64u << 20, 0};
  const auto d = live_data(in);
  const auto& now = d.now;
  const auto* db = find(now["services"], "db");
  ASSERT_NE(db, nullptr) << now.dump(2);
  EXPECT_DOUBLE_EQ((*db)["requests_rps"].get<double>(), 15.0);
  EXPECT_DOUBLE_EQ((*db)["queue_depth"].get<double>(), 5.0);
  // No request records: nothing was judged in its windows, as for a
  // service nothing asks.
  EXPECT_EQ((*db)["health"], "idle");
  const auto* dbn = find(now["nodes"], "db");
  ASSERT_NE(dbn, nullptr);
  EXPECT_DOUBLE_EQ((*dbn)["cpu_limit_cores"].get<double>(), 0.5);
  EXPECT_EQ((*dbn)["memory_limit_bytes"].get<uint64_t>(), 64u << 20);
  EXPECT_TRUE(find(now["nodes"], "api")->at("cpu_limit_cores").is_null());
  // Only the fault applied and not reverted is in force: 4 + 10 - 6 = 8 s left.
  ASSERT_EQ(now["faults"].size(), 1u) << now["faults"].dump();
  EXPECT_EQ(now["faults"][0]["target"], "node:db");
  EXPECT_DOUBLE_EQ(now["faults"][0]["remaining_s"].get<double>(), 8.0);
  EXPECT_EQ(now["verdict"], "fault in force; no service has degraded");
  // The page: the report's data, with every fault and the series columnar.
  EXPECT_EQ(d.page["summary"]["faults"].size(), 3u);
  EXPECT_TRUE(d.page["summary"]["passed"].is_null());
  EXPECT_EQ(d.page["series"]["t"].size(), 6u);
}

TEST(Live, FaultsTypedLiveHaveNoTimeLeft) {
  const auto topo = chain();
  SeriesStore st;
  st.set_time(0, 1.0);
  LiveInput in;
  in.topo = &topo;
  in.store = &st;
  in.now_s = 3.0;
  in.planned_lengths = false;
  in.faults = {FaultRecord{0, "node:db", "pause", 2.0, 0.0, 2.0, std::nullopt, std::nullopt}};
  const auto now = live_data(in).now;
  ASSERT_EQ(now["faults"].size(), 1u);
  EXPECT_TRUE(now["faults"][0]["remaining_s"].is_null());
  in.faults.clear();
  EXPECT_EQ(live_data(in).now["verdict"], "no fault yet");
}

TEST(Live, ColumnarSeriesAlignValuesToTheTicks) {
  SeriesStore st;
  st.set_time(0, 1.0);
  st.set_time(1, 2.0);
  st.set(1, {"db", "db", "p99_s"}, 0.25);
  const auto c = columnar(st);
  ASSERT_EQ(c["series"].size(), 1u);
  EXPECT_EQ(c["series"][0]["m"], "p99_s");
  EXPECT_TRUE(c["series"][0]["v"][0].is_null());
  EXPECT_DOUBLE_EQ(c["series"][0]["v"][1].get<double>(), 0.25);
}

TEST(Live, NowCarriesTheWiresTroublePerPairAndEachNodesRunQueueWait) {
  const auto topo = chain();
  SeriesStore st;
  for (size_t i = 0; i < 3; ++i) {
    st.set_time(i, static_cast<double>(i + 1));
    st.set(i, {"flow", "client->api", "flow_pps"}, 100);
    st.set(i, {"flow", "client->api", "retransmits_ps"}, 0);
    st.set(i, {"flow", "api->db", "flow_pps"}, 50);
    st.set(i, {"flow", "api->db", "retransmits_ps"}, static_cast<double>(i));  // 2 at the last tick
    st.set(i, {"flow", "api->db", "srtt_s"}, 0.002);
    st.set(i, {"flow", "db->app", "flow_pps"}, i < 2 ? 5.0 : 0.0);  // quiet at the last tick
    st.set(i, {"db", "", "runq_wait_share"}, 0.1 * static_cast<double>(i));
    st.set(i, {"db", "", "runq_delay_s"}, 0.004);
    st.set(i, {"db", "", "cpu_throttled_s"}, 0.3);
  }
  LiveInput in;
  in.topo = &topo;
  in.store = &st;
  in.now_s = 3.0;
  const auto now = live_data(in).now;
  const auto& flows = now["flows"];
  ASSERT_EQ(flows.size(), 2u) << "a pair with nothing in the last tick is left out: " << flows.dump();
  EXPECT_EQ(flows[0]["pair"], "api->db") << "the troubled pair first";
  EXPECT_DOUBLE_EQ(flows[0]["retransmits_ps"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(flows[0]["srtt_s"].get<double>(), 0.002);
  EXPECT_TRUE(flows[0]["drops_pps"].is_null()) << "not recorded: null, not 0";
  EXPECT_EQ(flows[1]["pair"], "client->api");
  const auto* db = find(now["nodes"], "db");
  ASSERT_NE(db, nullptr);
  EXPECT_DOUBLE_EQ((*db)["runq_wait_share"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ((*db)["runq_delay_s"].get<double>(), 0.004);
  EXPECT_DOUBLE_EQ((*db)["cpu_throttled_s"].get<double>(), 0.3);
  EXPECT_TRUE(find(now["nodes"], "api")->at("runq_wait_share").is_null());
}
