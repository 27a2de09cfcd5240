// SPDX-License-Identifier: Apache-2.0
// The plan is pure: addresses, routes, forwarding, hosts and bridges are
// checked here without root.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <variant>

#include "orchestrator/plan/plan.hpp"
#include "tests/support/hand_topology.hpp"

using namespace faultline::model::literals;

using namespace faultline;

namespace {

model::Topology chain3() {
  model::Topology t = faultline::testing::hand_topology({"client", "api", "db"}, {{"client", "api"}, {"api", "db"}});
  t.experiment.name = "chain";
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
  EXPECT_EQ(p.forwarding_nodes, std::vector<model::NodeId>{"api"_node});
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
    n.name = model::NodeId{"n" + std::to_string(i)};
    t.nodes.push_back(n);
  }
  model::Segment s;
  s.name = "lan"_segment;
  s.members = {"n0"_node, "n1"_node, "n2"_node, "n3"_node};
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
  s.name = "big"_segment;
  for (int i = 0; i < 2500; ++i) {
    model::Node n;
    n.name = model::NodeId{"n" + std::to_string(i)};
    t.nodes.push_back(n);
    s.members.push_back(n.name);
  }
  t.segments = {s};
  const auto p = plan::make_plan(t, "r3");
  // 2500 members, kPortsPerBridge (128) to a bridge: 20 bridges, 19 uplinks.
  const size_t nb = (2500 + plan::kPortsPerBridge - 1) / plan::kPortsPerBridge;
  ASSERT_EQ(p.bridges.size(), nb);
  std::map<std::string, size_t> ports;
  size_t uplinks = 0;
  for (const auto& v : p.veths) {
    ++ports[v.a_master];
    if (!v.b_master.empty()) {
      ++ports[v.b_master];
      ++uplinks;
    }
  }
  EXPECT_EQ(uplinks, nb - 1);
  // The first bridge also holds every uplink: still far below the kernel's 1023.
  for (const auto& [br, n] : ports) EXPECT_LE(n, plan::kPortsPerBridge + nb - 1) << br;
  for (const auto& [br, n] : ports) EXPECT_LE(n, 1023u) << br;
  EXPECT_EQ(p.subnets[0].prefix.len, 20);  // 2502 addresses -> 4096 block
}

TEST(Plan, LargestBlocksFirstKeepsAlignment) {
  auto t = chain3();
  model::Segment s;
  s.name = "lan"_segment;
  s.members = {"client"_node, "api"_node, "db"_node};
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
    n.name = model::NodeId{"n" + std::to_string(i)};
    t.nodes.push_back(n);
    if (i > 0) {
      model::Link l;
      l.a = model::NodeId{"n" + std::to_string(i - 1)};
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

namespace {

// chain3 with a service in api and db and a load in client.
model::Topology chain3_with_workloads() {
  auto t = chain3();
  t.experiment.seed = 7;
  model::Service api;
  api.name = "api";
  api.port = 8080;
  api.endpoints = {model::Endpoint{}};
  t.nodes[1].services = {api};
  model::Service db;
  db.name = "db";
  db.port = 5432;
  db.endpoints = {model::Endpoint{}};
  t.nodes[2].services = {db};
  model::Load l;
  l.target_node = "api";
  l.target_port = 8080;
  l.mix = {model::RequestKind{}};
  l.rate = 100;
  l.metrics_port = 9500;
  t.nodes[0].load = l;
  t.nodes[0].command = "sleep 1000";
  return t;
}

plan::PlanOptions workload_options() {
  plan::PlanOptions o;
  o.service_binary = "/opt/fl/faultline-service";
  o.loadgen_binary = "/opt/fl/faultline-loadgen";
  o.config_dir = "/run/faultline/r6/workloads";
  return o;
}

}  // namespace

TEST(Plan, ServicesThenCommandsThenLoadsEachWithItsConfiguration) {
  const auto t = chain3_with_workloads();
  const auto p = plan::make_plan(t, "r6", workload_options());
  ASSERT_EQ(p.processes.size(), 4u);
  const auto& api = p.processes[0];
  EXPECT_EQ(api.node, "api");
  EXPECT_EQ(api.kind.name, "service api");
  EXPECT_EQ(api.kind.role, plan::ProcessRole::kService);
  EXPECT_EQ(api.kind.service, "api");
  EXPECT_EQ(api.argv, (std::vector<std::string>{"/opt/fl/faultline-service", "--config",
                                                "/run/faultline/r6/workloads/api.service.json"}));
  EXPECT_EQ(api.config_path, api.argv[2]);
  EXPECT_EQ(api.ready_port, 8080);
  EXPECT_EQ(api.log_name, "api.service.log");
  const auto* sc = std::get_if<workloads::ServiceConfig>(&api.config);
  ASSERT_NE(sc, nullptr);
  EXPECT_EQ(sc->node, "api");
  EXPECT_EQ(sc->service, t.nodes[1].services[0]);
  EXPECT_EQ(p.processes[1].kind.name, "service db");
  EXPECT_EQ(p.processes[1].node, "db");

  const auto& cmd = p.processes[2];
  EXPECT_EQ(cmd.kind.name, "command");
  EXPECT_EQ(cmd.kind.role, plan::ProcessRole::kCommand);
  EXPECT_TRUE(cmd.kind.service.empty());
  EXPECT_EQ(cmd.node, "client");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(cmd.config));
  EXPECT_TRUE(cmd.config_path.empty());
  EXPECT_EQ(cmd.ready_port, 0);

  const auto& load = p.processes[3];
  EXPECT_EQ(load.kind.name, "load");
  EXPECT_EQ(load.kind.role, plan::ProcessRole::kLoad);
  EXPECT_EQ(load.node, "client");
  EXPECT_EQ(load.argv, (std::vector<std::string>{"/opt/fl/faultline-loadgen", "--config",
                                                 "/run/faultline/r6/workloads/client.load.json"}));
  EXPECT_EQ(load.ready_port, 9500);
  const auto* lc = std::get_if<workloads::LoadConfig>(&load.config);
  ASSERT_NE(lc, nullptr);
  EXPECT_EQ(lc->load, *t.nodes[0].load);
  EXPECT_EQ(lc->duration_ns, 0);  // until the run is taken down
}

TEST(Plan, WorkloadSeedsAreStableDistinctAndFollowTheExperimentSeed) {
  auto t = chain3_with_workloads();
  const auto seeds = [](const plan::Plan& p) {
    std::vector<uint64_t> out;
    for (const auto& pr : p.processes) {
      if (const auto* s = std::get_if<workloads::ServiceConfig>(&pr.config)) out.push_back(s->seed);
      if (const auto* l = std::get_if<workloads::LoadConfig>(&pr.config)) out.push_back(l->seed);
    }
    return out;
  };
  const auto a = seeds(plan::make_plan(t, "r7", workload_options()));
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a, seeds(plan::make_plan(t, "other-run", workload_options())));  // the run's name plays no part
  EXPECT_NE(a[0], a[1]);
  EXPECT_NE(a[0], a[2]);
  EXPECT_NE(a[1], a[2]);
  EXPECT_EQ(a[0], plan::workload_seed(7, "service api"));
  // Pinned, computed independently: the seed function is part of what makes a run repeatable.
  EXPECT_EQ(a[0], 0xf14eabd74b518cd3ULL);
  t.experiment.seed = 8;
  const auto b = seeds(plan::make_plan(t, "r7", workload_options()));
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NE(a[i], b[i]) << i;
}

TEST(Plan, RenderShowsWorkloadProcesses) {
  const auto out = plan::make_plan(chain3_with_workloads(), "r8", workload_options()).render();
  for (const char* s : {"process    api:  service api: /opt/fl/faultline-service --config "
                        "/run/faultline/r6/workloads/api.service.json  (seed ",
                        "process    client:  load: /opt/fl/faultline-loadgen --config "
                        "/run/faultline/r6/workloads/client.load.json  (seed ",
                        "/metrics on :9500)"})
    EXPECT_NE(out.find(s), std::string::npos) << s << "\n" << out;
}
