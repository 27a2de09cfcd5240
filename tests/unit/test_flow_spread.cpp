// SPDX-License-Identifier: Apache-2.0
// The order node pairs went bad on the wire (analysis/flow_spread.hpp): above
// the baseline's highest rate of a kind, from the first judged tick on,
// earliest first, ties by name; the totals count events from then on.
#include <gtest/gtest.h>

#include <cmath>

#include "orchestrator/analysis/flow_spread.hpp"

using namespace faultline::analysis;

namespace {

FlowSpreadInput input() {
  FlowSpreadInput in;
  for (int i = 0; i < 10; ++i) in.times.push_back(i * 0.5);
  in.baseline_begin = 1;
  in.baseline_end = 4;
  in.from = 4;
  return in;
}

}  // namespace

TEST(FlowSpread, OrderIsByFirstTickAboveTheBaselineThenByName) {
  auto in = input();
  const double nan = std::nan("");
  in.edges.push_back({"c->d", {{"retransmits", {0, 0, 0, 0, 0, 0, 3, 3, 0, 0}}}});
  in.edges.push_back({"a->b", {{"resets_sent", {0, 0, 0, 0, 0, 2, 0, 0, 0, 0}},
                               {"drops", {0, 1, 1, 0, 0, 0, 0, 0, 0, 0}}}});
  in.edges.push_back({"b->a", {{"connects_failed", {0, 0, 0, 0, nan, 4, 0, 0, 0, 0}}}});
  const auto out = flow_spread(in);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].edge, "a->b");
  EXPECT_EQ(out[1].edge, "b->a") << "same tick: by name";
  EXPECT_EQ(out[2].edge, "c->d");
  EXPECT_EQ(out[0].tick, 5u);
  EXPECT_DOUBLE_EQ(out[0].bad_s, 2.5);
  EXPECT_EQ(out[0].what, std::vector<std::string>{"resets_sent"}) << "the drops stayed at their baseline";
  EXPECT_DOUBLE_EQ(out[2].totals.at("retransmits"), 3.0) << "3/s over two half-second ticks";
}

TEST(FlowSpread, TroubleOnlyAsHighAsInTheBaselineOrBeforeTheFaultIsNotBad) {
  auto in = input();
  in.edges.push_back({"a->b", {{"drops", {0, 0, 5, 0, 5, 5, 0, 0, 0, 0}}}});
  in.edges.push_back({"b->c", {{"retransmits", {0, 0, 0, 9, 0, 0, 0, 0, 0, 0}}}});  // in the baseline only
  in.edges.push_back({"c->d", {{"retransmits", {0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}}});
  const auto out = flow_spread(in);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].edge, "c->d");
  EXPECT_EQ(out[0].tick, 9u);
}

TEST(FlowSpread, NothingRecordedIsNothingBad) {
  auto in = input();
  EXPECT_TRUE(flow_spread(in).empty());
  in.edges.push_back({"a->b", {}});
  in.times.clear();
  EXPECT_TRUE(flow_spread(in).empty());
}
