// The plan is pure: addresses, routes, forwarding, hosts and bridges are
// checked here without root.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "orchestrator/plan/plan.hpp"

using namespace faultline;

namespace {

model::Topology chain3() {
  model::Topology t;
  t.experiment.name = "chain";
  for (const char* n : {"client", "api", "db"}) {
    model::Node node;
    node.name = n;
    t.nodes.push_back(node);
  }
  model::Link l1;
  l1.a = "client";
  l1.b = "api";
  model::Link l2;
  l2.a = "api";
  l2.b = "db";
  t.links = {l1, l2};
  return t;
}

const plan::AddressPlan* addr(const plan::Plan& p, const std::string& node, const std::string& ifname) {
  for (const auto& a : p.addresses)
    if (a.node == node && a.ifname == ifname) return &a;
  return nullptr;
}

uint32_t host(const plan::Plan& p, const std::string& node, const std::string& name) {
  for (const auto& h : p.hosts)
    if (h.node == node)
      for (const auto& [n, a] : h.entries)
        if (n == name) return a;
  return 0;
}

}  // namespace

TEST(Plan, ChainAddressesAreOneSlash30PerLinkFromThePool) {
  const auto p = plan::make_plan(chain3(), "r1");
  ASSERT_EQ(p.subnets.size(), 2u);
  EXPECT_EQ(p.subnets[0].prefix.str(), "10.77.0.0/30");
  EXPECT_EQ(p.subnets[1].prefix.str(), "10.77.0.4/30");
  ASSERT_NE(addr(p, "client", "api"), nullptr);
  EXPECT_EQ(addr(p, "client", "api")->prefix.str(), "10.77.0.1/30");
  EXPECT_EQ(addr(p, "api", "client")->prefix.str(), "10.77.0.2/30");
  EXPECT_EQ(addr(p, "api", "db")->prefix.str(), "10.77.0.5/30");
  EXPECT_EQ(addr(p, "db", "api")->prefix.str(), "10.77.0.6/30");
}

TEST(Plan, ChainRoutesGoThroughTheMiddleWhichForwards) {
  const auto p = plan::make_plan(chain3(), "r1");
  ASSERT_EQ(p.routes.size(), 2u);
  EXPECT_EQ(p.routes[0].node, "client");
  EXPECT_EQ(p.routes[0].dst.str(), "10.77.0.4/30");
  EXPECT_EQ(ipv4_str(p.routes[0].gateway), "10.77.0.2");
  EXPECT_EQ(p.routes[1].node, "db");
  EXPECT_EQ(p.routes[1].dst.str(), "10.77.0.0/30");
  EXPECT_EQ(ipv4_str(p.routes[1].gateway), "10.77.0.5");
  EXPECT_EQ(p.forwarding_nodes, std::vector<std::string>{"api"});
}

TEST(Plan, HostsResolveToTheAddressFacingTheAsker) {
  const auto p = plan::make_plan(chain3(), "r1");
  EXPECT_EQ(ipv4_str(host(p, "client", "api")), "10.77.0.2");  // api's side of client-api
  EXPECT_EQ(ipv4_str(host(p, "db", "api")), "10.77.0.5");      // api's side of api-db
  EXPECT_EQ(ipv4_str(host(p, "client", "db")), "10.77.0.6");
  EXPECT_EQ(ipv4_str(host(p, "client", "client")), "10.77.0.1");
}

TEST(Plan, NamesAndCgroupsAreRunScoped) {
  const auto p = plan::make_plan(chain3(), "r1");
  ASSERT_EQ(p.cgroups.size(), 3u);
  EXPECT_EQ(p.cgroups[1].rel_path, "faultline/r1/api");
  ASSERT_EQ(p.veths.size(), 2u);
  EXPECT_EQ(p.veths[0].a_ns, "client");
  EXPECT_EQ(p.veths[0].a_if, "api");
  EXPECT_EQ(p.veths[0].b_ns, "api");
  EXPECT_EQ(p.veths[0].b_if, "client");
  EXPECT_FALSE(p.needs_fabric());
}

TEST(Plan, SegmentIsOneBridgeAndOneSubnetWithoutRoutes) {
  model::Topology t;
  for (int i = 0; i < 4; ++i) {
    model::Node n;
    n.name = "n" + std::to_string(i);
    t.nodes.push_back(n);
  }
  model::Segment s;
  s.name = "lan";
  s.members = {"n0", "n1", "n2", "n3"};
  t.segments = {s};
  const auto p = plan::make_plan(t, "r2");
  EXPECT_TRUE(p.needs_fabric());
  ASSERT_EQ(p.bridges.size(), 1u);
  ASSERT_EQ(p.subnets.size(), 1u);
  EXPECT_EQ(p.subnets[0].prefix.str(), "10.77.0.0/29");  // 4 hosts + network + broadcast
  EXPECT_TRUE(p.routes.empty());
  EXPECT_TRUE(p.forwarding_nodes.empty());
  ASSERT_EQ(p.veths.size(), 4u);
  EXPECT_EQ(p.veths[2].a_ns, plan::kFabric);
  EXPECT_EQ(p.veths[2].a_master, p.bridges[0].name);
  EXPECT_EQ(p.veths[2].b_ns, "n2");
  EXPECT_EQ(p.veths[2].b_if, "lan");
}

TEST(Plan, BigSegmentChainsBridgesUnderTheKernelPortLimit) {
  model::Topology t;
  model::Segment s;
  s.name = "big";
  for (int i = 0; i < 2500; ++i) {
    model::Node n;
    n.name = "n" + std::to_string(i);
    t.nodes.push_back(n);
    s.members.push_back(n.name);
  }
  t.segments = {s};
  const auto p = plan::make_plan(t, "r3");
  ASSERT_EQ(p.bridges.size(), 3u);
  std::map<std::string, size_t> ports;
  size_t uplinks = 0;
  for (const auto& v : p.veths) {
    ++ports[v.a_master];
    if (!v.b_master.empty()) {
      ++ports[v.b_master];
      ++uplinks;
    }
  }
  EXPECT_EQ(uplinks, 2u);
  for (const auto& [br, n] : ports) EXPECT_LE(n, 1023u) << br;
  EXPECT_EQ(p.subnets[0].prefix.len, 20);  // 2502 addresses -> 4096 block
}

TEST(Plan, LargestBlocksFirstKeepsAlignment) {
  auto t = chain3();
  model::Segment s;
  s.name = "lan";
  s.members = {"client", "api", "db"};
  t.segments = {s};
  const auto p = plan::make_plan(t, "r4");
  for (const auto& sn : p.subnets) EXPECT_EQ(sn.prefix.addr % (1u << (32 - sn.prefix.len)), 0u) << sn.prefix.str();
}

TEST(Plan, RenderListsEveryObject) {
  auto t = chain3();
  t.nodes[1].command = "echo hi";
  const auto out = plan::make_plan(t, "r5").render();
  for (const char* s : {"namespace  api", "cgroup     faultline/r5/db", "veth       client:api <-> api:client",
                        "address    db:api  10.77.0.6/30", "route      client:  10.77.0.4/30 via 10.77.0.2",
                        "forwarding api", "process    api:  command: /bin/sh -c 'echo hi'"})
    EXPECT_NE(out.find(s), std::string::npos) << s << "\n" << out;
}

TEST(Plan, RoutesThroughTheBusiestNextHopBecomeOnePoolRoute) {
  model::Topology t;
  for (int i = 0; i < 5; ++i) {
    model::Node n;
    n.name = "n" + std::to_string(i);
    t.nodes.push_back(n);
    if (i > 0) {
      model::Link l;
      l.a = "n" + std::to_string(i - 1);
      l.b = n.name;
      t.links.push_back(l);
    }
  }
  const auto p = plan::make_plan(t, "agg");
  std::map<std::string, std::vector<plan::RoutePlan>> by_node;
  for (const auto& r : p.routes) by_node[r.node].push_back(r);
  // The leaf n0 reaches three subnets through n1: one route for the pool.
  ASSERT_EQ(by_node["n0"].size(), 1u);
  EXPECT_EQ(by_node["n0"][0].dst.str(), "10.77.0.0/16");
  EXPECT_EQ(ipv4_str(by_node["n0"][0].gateway), "10.77.0.2");
  // n2 has one subnet on each side: nothing to aggregate.
  ASSERT_EQ(by_node["n2"].size(), 2u);
  for (const auto& r : by_node["n2"]) EXPECT_EQ(r.dst.len, 30);
  // n1: the pool via n2 (two subnets that way), the far-left... none: n0-n1 is connected.
  ASSERT_EQ(by_node["n1"].size(), 1u);
  EXPECT_EQ(by_node["n1"][0].dst.len, 16);
}
