// SPDX-License-Identifier: Apache-2.0
// Impairments typed at the keyboard use the topology file's keys, units and
// checks, laid over the current impairment.
#include <gtest/gtest.h>

#include "orchestrator/model/impairment_args.hpp"

using namespace faultline;

TEST(ImpairmentArgs, KeysNotGivenKeepTheirValues) {
  netem::Impairment base;
  base.delay_ns = 20'000'000;
  base.loss_ppm = 10'000;
  auto r = model::parse_impairment_args({"delay=150ms"}, base);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->delay_ns, 150'000'000);
  EXPECT_EQ(r->loss_ppm, 10'000u);
}

TEST(ImpairmentArgs, UnitsAreTheFilesUnits) {
  auto r = model::parse_impairment_args({"delay=1.5ms", "loss=2.5%", "rate=10Mbit", "limit=50"}, {});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->delay_ns, 1'500'000);
  EXPECT_EQ(r->loss_ppm, 25'000u);
  EXPECT_EQ(r->rate_bps, 10'000'000u);
  EXPECT_EQ(r->limit_packets, 50u);
}

TEST(ImpairmentArgs, LossKeysReplaceAsAGroup) {
  netem::Impairment base;
  base.loss_model = netem::LossModel::kGilbertElliott;
  base.gilbert.p_ppm = 10'000;
  base.gilbert.r_ppm = 250'000;
  auto r = model::parse_impairment_args({"loss=5%"}, base);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->loss_model, netem::LossModel::kRandom);
  EXPECT_EQ(r->loss_ppm, 50'000u);
}

TEST(ImpairmentArgs, CombinationChecksSeeTheMergedResult) {
  // Jitter without delay is refused; with the base's delay it is fine.
  EXPECT_FALSE(model::parse_impairment_args({"jitter=1ms"}, {}).ok());
  netem::Impairment base;
  base.delay_ns = 10'000'000;
  EXPECT_TRUE(model::parse_impairment_args({"jitter=1ms"}, base).ok());
}

TEST(ImpairmentArgs, BadInputSaysWhatAndWhere) {
  auto r = model::parse_impairment_args({"delay=5ms", "loss=200%"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("loss"), std::string::npos) << r.error().message();
  r = model::parse_impairment_args({"dealy=5ms"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("argument 1 (dealy=5ms)"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("did you mean 'delay'"), std::string::npos) << r.error().message();
  r = model::parse_impairment_args({"delay"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("key=value"), std::string::npos);
}

TEST(ImpairmentArgs, EveryBaseFieldSurvivesTheRoundTrip) {
  netem::Impairment base;
  base.delay_ns = 12'345'678;
  base.jitter_ns = 1'000'000;
  base.jitter_dist = netem::JitterDist::kNormal;
  base.delay_correlation_ppm = 250'000;
  base.loss_ppm = 12'345;
  base.loss_correlation_ppm = 100'000;
  base.duplicate_ppm = 1'000;
  base.corrupt_ppm = 2'000;
  base.reorder_ppm = 30'000;
  base.rate_bps = 123'456'789;
  base.overhead_bytes = -4;
  base.limit_packets = 77;
  base.limit_bytes = 1'000'000;
  auto r = model::parse_impairment_args({"duplicate=0.1%"}, base);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r.value(), base);
}
