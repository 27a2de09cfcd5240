// SPDX-License-Identifier: Apache-2.0
// The link engine's configuration is derived from the plan's one type per
// link and per segment (plan::LinkPlan, plan::SegmentPlan): what the plan
// gives the engine is what the engine is told, and nothing it does not carry.
#include <gtest/gtest.h>

#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/engine_links.hpp"
#include "tests/support/hand_topology.hpp"

using namespace faultline::model::literals;

using namespace faultline;

TEST(EngineConfig, IsTheEngineCarriedLinksAndSegmentsOfThePlan) {
  // a-b impaired, on a kernel without netem: the engine's; b-c plain: a direct veth pair.
  model::Topology t = faultline::testing::hand_topology({"a", "b", "c", "d"}, {{"a", "b"}, {"b", "c"}});
  model::Link& engine_link = t.links[0];
  engine_link.a_to_b.delay_ns = 20'000'000;
  engine_link.b_to_a.delay_ns = 5'000'000;
  model::Segment lan;
  lan.name = "lan"_segment;
  lan.members = {"a"_node, "c"_node, "d"_node};
  lan.impairment.rate_bps = 10'000'000;
  t.segments = {lan};

  const plan::Plan p = plan::make_plan(t, "r1", plan::PlanOptions{.kernel_netem = false});
  ASSERT_TRUE(p.needs_engine());
  const auto cfg = runtime::engine_config(p, "/run/x/engine.sock");
  EXPECT_EQ(cfg.seed, t.experiment.seed);
  EXPECT_EQ(cfg.control, "/run/x/engine.sock");
  ASSERT_EQ(cfg.links.size(), 1u);
  const plan::LinkPlan& lp = p.links[0];
  EXPECT_EQ(lp.carrier, plan::Carrier::kEngine);
  EXPECT_EQ(p.links[1].carrier, plan::Carrier::kDirect);
  EXPECT_EQ(cfg.links[0].name, "a-b");
  EXPECT_FALSE(lp.a_port.empty());
  EXPECT_EQ(cfg.links[0].a_port, lp.a_port);
  EXPECT_EQ(cfg.links[0].b_port, lp.b_port);
  EXPECT_EQ(cfg.links[0].a_to_b, engine_link.a_to_b);
  EXPECT_EQ(cfg.links[0].b_to_a, engine_link.b_to_a);
  ASSERT_EQ(cfg.segments.size(), 1u);
  EXPECT_EQ(cfg.segments[0].name, "lan");
  EXPECT_EQ(cfg.segments[0].ports.size(), 3u);
  EXPECT_EQ(cfg.segments[0].ports, p.segments[0].ports);
  EXPECT_EQ(cfg.segments[0].impairment, lan.impairment);
  // Every engine port is a planned veth end in the fabric.
  for (const auto& port : cfg.segments[0].ports)
    EXPECT_TRUE(std::any_of(p.veths.begin(), p.veths.end(),
                            [&](const plan::VethPlan& v) { return v.a_ns == plan::kFabric && v.a_if == port; }));
}

TEST(EngineConfig, KernelCarriedLinksAreNotTheEngines) {
  model::Topology t = faultline::testing::hand_topology({"a", "b"}, {{"a", "b"}});
  t.links[0].a_to_b.delay_ns = t.links[0].b_to_a.delay_ns = 1'000'000;
  const plan::Plan p = plan::make_plan(t, "r1", plan::PlanOptions{.kernel_netem = true});
  EXPECT_FALSE(p.needs_engine());
  EXPECT_EQ(p.links[0].carrier, plan::Carrier::kKernel);
  EXPECT_TRUE(runtime::engine_config(p, "").links.empty());
  // The kernel's qdiscs say what they impair.
  ASSERT_EQ(p.qdiscs.size(), 2u);
  EXPECT_EQ(p.qdiscs[0].link, (model::LinkId{"a"_node, "b"_node}));
  EXPECT_EQ(p.qdiscs[1].link, p.qdiscs[0].link);
  EXPECT_EQ(p.qdiscs[0].dir, model::Direction::kAtoB);
  EXPECT_EQ(p.qdiscs[1].dir, model::Direction::kBtoA);
}
