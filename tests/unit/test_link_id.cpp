// SPDX-License-Identifier: Apache-2.0
// model::LinkId: the one place a link's name and its directions' names are
// made, and the one matcher of what people write for a link.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "orchestrator/model/link_id.hpp"

using namespace faultline::model::literals;

using namespace faultline;
using model::Direction;
using model::LinkId;
using model::spelled_as;

TEST(LinkId, NamesTheLinkAndItsDirectionsInBetweenOrder) {
  const LinkId id{"api-gw"_node, "db"_node};
  EXPECT_EQ(id.name(), "api-gw-db");
  EXPECT_EQ(id.way(Direction::kAtoB), "api-gw->db");
  EXPECT_EQ(id.way(Direction::kBtoA), "db->api-gw");
  EXPECT_EQ(id.reversed(), (LinkId{"db"_node, "api-gw"_node}));
  EXPECT_EQ(id.reversed().name(), "db-api-gw");
}

TEST(LinkId, IsAKeyByBothNodesNotByItsName) {
  // "a" + "b-c" and "a-b" + "c" spell the same name but are two links.
  const LinkId x{"a"_node, "b-c"_node}, y{"a-b"_node, "c"_node};
  EXPECT_EQ(x.name(), y.name());
  EXPECT_NE(x, y);
  std::map<LinkId, int> m{{x, 1}, {y, 2}};
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.at(LinkId{"a-b"_node, "c"_node}), 2);
}

TEST(LinkId, IsWrittenToJsonAsItsTwoNodesNotItsName) {
  // [a, b] in `between` order: "a-b" + "c" and "a" + "b-c" stay two links.
  const nlohmann::json j = {{"link", LinkId{"a-b"_node, "c"_node}}};
  EXPECT_EQ(j.dump(), R"({"link":["a-b","c"]})");
  EXPECT_EQ(nlohmann::json(LinkId{"a"_node, "b-c"_node}), nlohmann::json::array({"a", "b-c"}));
}

TEST(LinkId, SpellingsAreComparedWithTheNodesNeverSplit) {
  const LinkId id{"api-gw"_node, "db"_node};
  struct Want {
    const char* text;
    bool reversed, one_way;
  };
  for (const Want& w : {Want{"api-gw-db", false, false}, Want{"db-api-gw", true, false},
                        Want{"api-gw->db", false, true}, Want{"db->api-gw", true, true}}) {
    const auto s = spelled_as(id, w.text);
    ASSERT_TRUE(s) << w.text;
    EXPECT_EQ(s->reversed, w.reversed) << w.text;
    EXPECT_EQ(s->one_way, w.one_way) << w.text;
  }
  for (const char* other : {"api-db", "gw-db", "api-gw-d", "api-gw--db", "api-gw>db", "api-gw->", "-api-gw-db", ""})
    EXPECT_FALSE(spelled_as(id, other)) << other;
}
