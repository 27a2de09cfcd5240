// SPDX-License-Identifier: Apache-2.0
// model::NodeId and model::SegmentId: what a name-identity lets through and
// what it stops. The compile-time half is the point: a segment's name, a
// service's name or any string handed where a node is meant must not build.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <type_traits>
#include <unordered_set>

#include "orchestrator/model/ids.hpp"
#include "orchestrator/model/topology.hpp"

using namespace faultline;
using namespace faultline::model::literals;
using model::NodeId;
using model::SegmentId;

// Made only on purpose: no string, literal or other identity becomes a node
// implicitly, and no identity of another kind becomes one at all.
static_assert(!std::is_convertible_v<std::string, NodeId>);
static_assert(!std::is_convertible_v<const char*, NodeId>);
static_assert(std::is_constructible_v<NodeId, std::string>);
static_assert(!std::is_convertible_v<SegmentId, NodeId>);
static_assert(!std::is_constructible_v<NodeId, SegmentId>);
static_assert(!std::is_constructible_v<SegmentId, NodeId>);
static_assert(!std::is_assignable_v<NodeId&, std::string>);
static_assert(!std::is_assignable_v<NodeId&, SegmentId>);
static_assert(!std::equality_comparable_with<NodeId, SegmentId>);
// Read freely: the name is what interface names, labels and messages use.
static_assert(std::is_convertible_v<NodeId, const std::string&>);
// The model's fields carry the types, so the loader is where they are made.
static_assert(std::is_same_v<decltype(model::Node::name), NodeId>);
static_assert(std::is_same_v<decltype(model::Segment::name), SegmentId>);
static_assert(std::is_same_v<decltype(model::Segment::members), std::vector<NodeId>>);
static_assert(std::is_same_v<decltype(model::Link::a), NodeId>);
static_assert(std::is_same_v<decltype(model::LinkId::a), NodeId>);

TEST(NodeId, ComparesOrdersAndHashesByItsName) {
  const NodeId a{"api"}, b{std::string("db")};
  EXPECT_EQ(a, "api"_node);
  EXPECT_NE(a, b);
  EXPECT_LT(a, b);
  EXPECT_EQ(a, "api");  // a lookup by what a person typed compares text
  EXPECT_FALSE(a == "ap");
  std::map<NodeId, int> m{{b, 2}, {a, 1}};
  EXPECT_EQ(m.begin()->first, a);
  std::unordered_set<NodeId> set{a, b, "api"_node};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(NodeId().empty());
}

TEST(NodeId, ReadsAsItsNameInTextAndJson) {
  const NodeId n{"api-gw"};
  const std::string& name = n;
  EXPECT_EQ(name, "api-gw");
  EXPECT_EQ("node " + n + ":", "node api-gw:");
  std::ostringstream os;
  os << n << "/" << "lan"_segment;
  EXPECT_EQ(os.str(), "api-gw/lan");
  const nlohmann::json j = {{"node", n}, {"members", std::vector<NodeId>{n, "db"_node}}};
  EXPECT_EQ(j.dump(), R"({"members":["api-gw","db"],"node":"api-gw"})");
}

TEST(NodeId, AFaultTargetSaysWhichIdentityItHolds) {
  const auto node = model::FaultTarget::on_node("db"_node);
  EXPECT_EQ(node.kind, model::FaultTarget::Kind::kNode);
  EXPECT_EQ(node.node, "db"_node);
  EXPECT_TRUE(node.segment.empty());
  EXPECT_EQ(node.name(), "db");
  const auto seg = model::FaultTarget::on_segment("storage-net"_segment);
  EXPECT_TRUE(seg.node.empty());
  EXPECT_EQ(seg.name(), "storage-net");
  const auto link = model::FaultTarget::on_link({"api"_node, "db-1"_node});
  EXPECT_EQ(link.name(), "api-db-1");
  EXPECT_EQ(model::FaultTarget::on_load("client"_node).kind, model::FaultTarget::Kind::kLoad);
  EXPECT_NE(model::FaultTarget::on_load("client"_node), model::FaultTarget::on_node("client"_node));
}
