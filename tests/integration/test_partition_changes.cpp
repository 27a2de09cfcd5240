// SPDX-License-Identifier: Apache-2.0
// Partitions and heals change several nodes' filters: all of them, or none.
// Each test makes the change fail on its second node in a way the kernel (or
// the per-node rule limit) really refuses, then reads the filters back from
// the kernel (tc filter, program, maps) and `faultline fault RUN list`, and
// checks that nothing of the refused change is left and that list says what
// the kernel holds.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "ebpf/partition_loader.hpp"
#include "orchestrator/runtime/netns.hpp"
#include "orchestrator/runtime/probe.hpp"
#include "tests/support/cli_run_test.hpp"
#include "tests/support/partition_readback.hpp"

using namespace faultline;
using namespace faultline::testing;

namespace {

// Three nodes on one segment: each has one address, so a partition from one
// node is one rule at each receiver; the interface is named after the segment.
const char* kTopo = R"(
[experiment]
name = "partition-changes"

[[node]]
name = "a"
[[node]]
name = "n1"
[[node]]
name = "n2"

[[segment]]
name = "lan"
members = ["a", "n1", "n2"]
)";

class PartitionChanges : public CliRunTest {
 protected:
  void SetUp() override {
    CliRunTest::SetUp();
    if (IsSkipped()) return;
    const auto probe = runtime::probe_kernel();
    if (!probe.has_clsact_bpf()) GTEST_SKIP() << "the kernel has no clsact or cls_bpf";
    up(kTopo);
  }
  // The node's network namespace, opened from its recorded holder.
  UniqueFd netns(const std::string& node) {
    const auto st = state();
    const auto* h = st.holder(node);
    EXPECT_NE(h, nullptr) << node;
    if (!h) return {};
    auto ns = runtime::open_ns(h->id.pid, "net");
    EXPECT_TRUE(ns.ok());
    return ns.ok() ? std::move(ns.value()) : UniqueFd{};
  }
  FilterReadback filter(const std::string& node) {
    auto ns = netns(node);
    auto r = read_partition_filter(ns.get(), "lan");
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? r.value() : FilterReadback{};
  }
  CommandResult fault(const std::string& args) { return run_cmd(cli("fault " + run_ + " " + args)); }
  // The partition lines of `list`.
  std::vector<std::string> listed() {
    const auto r = fault("list");
    EXPECT_EQ(r.status, 0) << r.out;
    std::vector<std::string> out;
    static const std::regex re("^partition [0-9]+: .*$");
    std::string line;
    for (std::istringstream in(r.out); std::getline(in, line);)
      if (std::regex_match(line, re)) out.push_back(line);
    return out;
  }
};

}  // namespace

TEST_F(PartitionChanges, RuleLimitOnTheSecondNodeRefusesBeforeAnythingChanges) {
  // n2 full: 64 partitions from a, one rule each.
  for (size_t i = 0; i < ebpf::kMaxPartitionRules; ++i) {
    const auto r = fault("partition a to n2");
    ASSERT_EQ(r.status, 0) << r.out;
  }
  const auto n2_before = filter("n2");
  ASSERT_EQ(n2_before.rules.size(), ebpf::kMaxPartitionRules);

  const auto r = fault("partition a to n1,n2");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("node n2 would hold 65 partition rules"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("at most 64 per node"), std::string::npos) << r.out;

  const auto n1 = filter("n1");
  EXPECT_FALSE(n1.filter) << "n1 got a filter for a partition that was refused";
  EXPECT_FALSE(n1.clsact) << "n1 kept a clsact qdisc made for a partition that was refused";
  EXPECT_EQ(filter("n2").ids(), n2_before.ids());
  const auto lines = listed();
  EXPECT_EQ(lines.size(), ebpf::kMaxPartitionRules);
  for (const auto& l : lines) EXPECT_EQ(l.find("n1"), std::string::npos) << l;
}

TEST_F(PartitionChanges, KernelRefusalOnTheSecondNodeUndoesTheFirst) {
  // The kernel refuses the partition filter on n2: the hook is taken (EEXIST).
  {
    auto ns = netns("n2");
    ASSERT_TRUE(occupy_partition_hook(ns.get(), "lan").ok());
  }
  const auto r = fault("partition a to n1,n2");
  EXPECT_NE(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("partition filter on n2"), std::string::npos) << r.out;

  const auto n1 = filter("n1");
  EXPECT_FALSE(n1.filter) << "n1 kept the filter of a partition that failed on n2";
  EXPECT_FALSE(n1.clsact) << "n1 kept the clsact qdisc made for a partition that failed on n2";
  const auto n2 = filter("n2");
  EXPECT_TRUE(n2.filter);
  EXPECT_FALSE(n2.partition) << "n2's hook holds " << n2.prog_name << ", not the test's own program";
  EXPECT_TRUE(listed().empty());

  // The run is sound afterwards: a partition that can be made is.
  const auto ok = fault("partition a to n1");
  ASSERT_EQ(ok.status, 0) << ok.out;
  EXPECT_EQ(filter("n1").rules.size(), 1u);
  EXPECT_EQ(listed().size(), 1u);
}

TEST_F(PartitionChanges, BothWaysIsOneChange) {
  {
    auto ns = netns("a");
    ASSERT_TRUE(occupy_partition_hook(ns.get(), "lan").ok());
  }
  // a -> n2 is made first (into n2); a's hook refuses n2 -> a, the second
  // direction, and the first is undone.
  const auto r = fault("partition a and n2");
  EXPECT_NE(r.status, 0) << r.out;
  const auto n2 = filter("n2");
  EXPECT_FALSE(n2.filter);
  EXPECT_FALSE(n2.clsact);
  EXPECT_TRUE(listed().empty());
}

TEST_F(PartitionChanges, HealRefusedOnTheSecondNodeKeepsThePartitionWhole) {
  auto r = fault("partition a to n1,n2");
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_EQ(filter("n1").rules.size(), 1u);
  ASSERT_EQ(filter("n2").rules.size(), 1u);
  // From now on the kernel refuses to flip n2's rule set.
  {
    auto ns = netns("n2");
    ASSERT_TRUE(freeze_partition_map(ns.get(), "lan", "active").ok());
  }
  for (const char* heal : {"heal 1", "heal"}) {
    r = fault(heal);
    EXPECT_NE(r.status, 0) << heal << ": " << r.out;
    EXPECT_NE(r.out.find("n2"), std::string::npos) << r.out;
    EXPECT_EQ(filter("n1").ids(), std::vector<uint32_t>{1}) << heal << " left n1 healed and n2 not";
    EXPECT_EQ(filter("n2").ids(), std::vector<uint32_t>{1});
    const auto lines = listed();
    ASSERT_EQ(lines.size(), 1u) << heal;
    EXPECT_NE(lines[0].find("partition 1: a -/-> n1,n2"), std::string::npos) << lines[0];
    EXPECT_EQ(lines[0].find("left on"), std::string::npos) << lines[0];
  }
}

TEST_F(PartitionChanges, HealRemovesEveryNodesRules) {
  auto r = fault("partition a to n1,n2 udp:7000");
  ASSERT_EQ(r.status, 0) << r.out;
  r = fault("partition n1 and n2");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(filter("n2").rules.size(), 2u);
  r = fault("heal");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* n : {"a", "n1", "n2"}) EXPECT_TRUE(filter(n).rules.empty()) << n;
  EXPECT_TRUE(listed().empty());
}
