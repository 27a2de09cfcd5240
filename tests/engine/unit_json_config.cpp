// SPDX-License-Identifier: Apache-2.0
// Impairment <-> JSON and the engine's config file.
#include <gtest/gtest.h>

#include "netem/engine/config.hpp"
#include "netem/engine/impairment_json.hpp"

#include <unistd.h>
#include <nlohmann/json.hpp>

namespace faultline::netem {
namespace {

using nlohmann::json;

TEST(ImpairmentJson, EveryFieldRoundTrips) {
  Impairment imp;
  imp.delay_ns = 20'000'000;
  imp.jitter_ns = 3'000'000;
  imp.jitter_dist = JitterDist::kParetoNormal;
  imp.delay_correlation_ppm = 250'000;
  imp.loss_model = LossModel::kGilbertElliott;
  imp.loss_ppm = 12'345;
  imp.loss_correlation_ppm = 5;
  imp.gilbert = {.p_ppm = 1, .r_ppm = 2, .h_ppm = 3, .k_ppm = 4};
  imp.duplicate_ppm = 6;
  imp.corrupt_ppm = 7;
  imp.reorder_ppm = 8;
  imp.rate_bps = 10'000'000'000ull;
  imp.overhead_bytes = -4;
  imp.limit_packets = 99;
  imp.limit_bytes = 1ull << 40;
  const json j = imp;
  EXPECT_EQ(j.size(), 15u);
  EXPECT_EQ(j["jitter_dist"], "paretonormal");
  EXPECT_EQ(j["loss_model"], "gemodel");
  auto back = impairment_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, imp);
  auto again = impairment_from_json(json::parse(j.dump()));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, imp);
}

TEST(ImpairmentJson, MissingFieldsTakeDefaults) {
  auto imp = impairment_from_json(json{{"delay_ns", 5}});
  ASSERT_TRUE(imp.ok());
  Impairment want;
  want.delay_ns = 5;
  EXPECT_EQ(*imp, want);
  EXPECT_TRUE(impairment_from_json(json::object())->is_neutral());
}

TEST(ImpairmentJson, RejectsTyposTypesAndRanges) {
  for (const char* bad : {R"({"delay":5})", R"({"delay_ns":"5ms"})", R"({"delay_ns":-1})",
                          R"({"loss_ppm":1000001})", R"({"loss_ppm":-5})", R"({"jitter_dist":"gauss"})",
                          R"({"loss_model":"markov"})", R"({"gemodel":{"p":1}})", R"({"rate_bps":1.5})",
                          R"({"limit_packets":4294967296})", R"([1,2])", R"({"overhead_bytes":3000000000})"}) {
    auto r = impairment_from_json(json::parse(bad));
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(EngineConfig, ParsesLinksSegmentsAndTuning) {
  auto c = engine::parse_config(json::parse(R"({
    "seed": 7, "control": "/tmp/x.sock",
    "links": [{"name":"api-db","a_port":"l0a","b_port":"l0b","a_to_b":{"delay_ns":1000},"b_to_a":{}}],
    "segments": [{"name":"lan","ports":["s0","s1","s2"],"impairment":{"rate_bps":10000000}}],
    "tuning": {"spin_ns": 20000, "rx_ring": "v3"}})"));
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->seed, 7u);
  ASSERT_EQ(c->links.size(), 1u);
  EXPECT_EQ(c->links[0].a_to_b.delay_ns, 1000);
  EXPECT_TRUE(c->links[0].b_to_a.is_neutral());
  ASSERT_EQ(c->segments.size(), 1u);
  EXPECT_EQ(c->segments[0].ports.size(), 3u);
  EXPECT_EQ(c->segments[0].impairment.rate_bps, 10'000'000u);
  EXPECT_EQ(c->tuning.spin_ns, 20000);
  EXPECT_EQ(c->tuning.rx_ring, engine::RingVersion::kV3);
}

TEST(EngineConfig, RejectsInconsistentConfigs) {
  for (const char* bad : {
           R"({})",
           R"({"links":[{"name":"a","a_port":"p","b_port":"p"}]})",
           R"({"links":[{"name":"a","a_port":"p","b_port":"q"},{"name":"a","a_port":"r","b_port":"s"}]})",
           R"({"links":[{"name":"a","a_port":"p","b_port":"q"}],"segments":[{"name":"s","ports":["q","r"]}]})",
           R"({"segments":[{"name":"s","ports":["q"]}]})",
           R"({"links":[{"name":"a","a_port":"p","b_port":"q","a_to_b":{"delay_ns":-1}}]})",
           R"({"links":[{"name":"a","a_port":"p","b_port":"q","c_to_d":{}}]})",
           R"({"links":[{"name":"a","a_port":"p","b_port":"q"}],"tuning":{"rx_ring":"v9"}})",
           R"({"links":[{"name":"a","a_port":"p","b_port":"q"}],"seed":-1})",
       }) {
    auto r = engine::parse_config(json::parse(bad));
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_FALSE(engine::load_config("/nonexistent/engine.json").ok());
}

}  // namespace
}  // namespace faultline::netem

namespace faultline::netem {
namespace {

TEST(EngineConfig, WrittenConfigReadsBackTheSame) {
  engine::EngineConfig c;
  c.seed = 99;
  c.control = "/run/x/engine.sock";
  c.links.push_back({"api-db", "l0a", "l0b", {}, {}});
  c.links[0].a_to_b.delay_ns = 5'000'000;
  c.links[0].b_to_a.loss_ppm = 1000;
  c.segments.push_back({"lan", {"s0", "s1", "s2"}, {}});
  c.segments[0].impairment.rate_bps = 1'000'000;
  c.tuning.rx_ring = engine::RingVersion::kV3;
  c.tuning.spin_max_ns = 123'456;
  const std::string path = "/tmp/fl-engine-unit-" + std::to_string(::getpid()) + ".json";
  ASSERT_TRUE(engine::write_config(c, path).ok());
  auto back = engine::load_config(path);
  ::unlink(path.c_str());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(engine::config_to_json(*back), engine::config_to_json(c));
  EXPECT_EQ(back->links[0].a_to_b, c.links[0].a_to_b);
  EXPECT_EQ(back->segments[0].ports, c.segments[0].ports);
}

}  // namespace
}  // namespace faultline::netem
