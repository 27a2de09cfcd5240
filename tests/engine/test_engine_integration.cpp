// SPDX-License-Identifier: Apache-2.0
// Link engine end to end (root): two or three namespaces joined through
// faultline-linkd running in a fabric namespace,
//   A(eth0) - veth - p0 [engine] p1 - veth - (eth0)B
// Each test builds its own namespaces (unique names), checks what the brief
// promises at the socket level, and leaves the host as it found it.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>

#include "tests/engine/support/testnet.hpp"
#include "tests/engine/support/traffic.hpp"
#include "tests/support/timing.hpp"

namespace fl_engine_test {
namespace {

using faultline::netem::Impairment;
using faultline::netem::JitterDist;
using nlohmann::json;

constexpr int64_t kMs = 1'000'000;

class EngineIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!is_root()) GTEST_SKIP() << "needs root: creates network namespaces and veths";
    links_before_ = host_links();
  }
  void TearDown() override {
    if (!is_root()) return;
    EXPECT_EQ(host_links(), links_before_) << "the host's interface list changed";
    const std::string mine = "fle" + std::to_string(::getpid()) + "x";
    for (const auto& n : netns_names()) EXPECT_NE(n.rfind(mine, 0), 0u) << "namespace left behind: " << n;
  }
  std::set<std::string> links_before_;
};

Impairment delay(int64_t ns) {
  Impairment i;
  i.delay_ns = ns;
  return i;
}

std::vector<double> ping_rtts_ms(const std::string& ns, const std::string& ip, int n) {
  const std::string out =
      sh_out("ip netns exec " + ns + " ping -n -c " + std::to_string(n) + " -i 0.02 -W 2 " + ip);
  std::vector<double> v;
  std::regex re("time=([0-9.]+) ms");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), re); it != std::sregex_iterator(); ++it)
    v.push_back(std::stod((*it)[1]));
  return v;
}

// CPU seconds (user + system) a process has used.
double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string st((std::istreambuf_iterator<char>(f)), {});
  std::istringstream in(st.substr(st.rfind(')') + 2));
  std::string tok;
  double ticks = 0;
  for (int field = 3; in >> tok && field <= 15; ++field)
    if (field == 14 || field == 15) ticks += std::stod(tok);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double median_d(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Kolmogorov-Smirnov statistic of a sample against a continuous CDF.
double ks_statistic(std::vector<double> x, const std::function<double(double)>& cdf) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, (static_cast<double>(i) + 1) / n - f, f - static_cast<double>(i) / n});
  }
  return d;
}
double ks_critical_5pct(size_t n) { return 1.358 / std::sqrt(static_cast<double>(n)); }

TEST_F(EngineIntegration, TwentyMsEachWayGivesFortyMsPingAndConnect) {
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  EngineProc eng(net, link_config("ab", "p0", "p1", delay(20 * kMs), delay(20 * kMs)));
  ASSERT_TRUE(eng.ready()) << eng.log();

  auto rtts = ping_rtts_ms(net.node(0), TestNet::ip(1), 50);
  ASSERT_EQ(rtts.size(), 50u);
  // Late by at most 1 ms on the host (more where the engine is instrumented,
  // tests/support/timing.hpp); never early.
  const double tol = faultline::test::timing_tolerance(1.0);
  EXPECT_NEAR(median_d(rtts), 40.0, tol);
  EXPECT_GE(median_d(rtts), 40.0 - 0.05);

  auto ct = connect_times(net.node(0), net.node(1), TestNet::ip(1), 7000, 50);
  ASSERT_EQ(ct.size(), 50u);
  EXPECT_NEAR(static_cast<double>(median(ct)) / kMs, 40.0, tol);
  EXPECT_GE(static_cast<double>(median(ct)) / kMs, 40.0 - 0.05);
  std::printf("ping RTT median %.3f ms, TCP connect median %.3f ms\n", median_d(rtts),
              static_cast<double>(median(ct)) / kMs);

  // Idle: nothing queued, nothing arriving: the engine must sleep.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const double cpu0 = cpu_seconds(eng.pid());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_LT(cpu_seconds(eng.pid()) - cpu0, 0.03) << "an idle engine must not spin";
  EXPECT_EQ(eng.stop(), 0) << "SIGTERM must end the engine cleanly";
  EXPECT_NE(::access(eng.socket().c_str(), F_OK), 0) << "control socket file left behind";
}

TEST_F(EngineIntegration, TenPercentLossIsMeasuredAndTcpRetransmits) {
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  Impairment loss;
  loss.loss_ppm = 100'000;
  EngineProc eng(net, link_config("ab", "p0", "p1", loss, Impairment{}));
  ASSERT_TRUE(eng.ready()) << eng.log();

  auto pr = udp_probes(net.node(0), net.node(1), TestNet::ip(1), 2000, 500'000);
  ASSERT_EQ(pr.sent, 2000u);
  const double lost = 2000.0 - static_cast<double>(pr.one_way_ns.size());
  const double sigma = std::sqrt(2000 * 0.1 * 0.9);
  EXPECT_NEAR(lost, 200.0, 3 * sigma) << "measured loss " << lost / 20 << "%";

  // A TCP transfer across the same loss: the kernel retransmits; the
  // application sees no error and gets every byte.
  auto b = tcp_bulk(net.node(0), net.node(1), TestNet::ip(1), 7001, 60, 0, 400'000);
  ASSERT_TRUE(b.connected);
  EXPECT_EQ(b.send_errors, 0) << "errno " << b.last_errno;
  EXPECT_EQ(b.sent_bytes, 400'000u);
  EXPECT_EQ(b.received_bytes, 400'000u);
  EXPECT_GT(b.total_retrans, 0u) << "10% loss must show up as TCP retransmissions";
  std::printf("UDP loss %.2f%% (2000 probes); TCP 400 kB: %u retransmissions, %d send errors\n", lost / 20,
              b.total_retrans, b.send_errors);
  auto st = eng.request({{"op", "stats"}});
  ASSERT_TRUE(st.ok());
  const json& ab = (*st)["links"]["ab"]["a->b"];
  EXPECT_GT(ab["dropped_loss"].get<uint64_t>(), 0u);
  EXPECT_EQ(ab["rx_packets"].get<uint64_t>(),
            ab["tx_packets"].get<uint64_t>() + ab["dropped_loss"].get<uint64_t>() +
                ab["dropped_queue"].get<uint64_t>() + ab["queue_packets"].get<uint64_t>())
      << "every frame is accounted for";
}

TEST_F(EngineIntegration, TenMbitRateLimitsBulkTcp) {
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  Impairment rate = delay(2 * kMs);
  rate.rate_bps = 10'000'000;
  EngineProc eng(net, link_config("ab", "p0", "p1", rate, delay(2 * kMs)));
  ASSERT_TRUE(eng.ready()) << eng.log();
  auto b = tcp_bulk(net.node(0), net.node(1), TestNet::ip(1), 7002, 5.0, 1.0);
  ASSERT_TRUE(b.connected);
  EXPECT_EQ(b.send_errors, 0);
  EXPECT_GE(b.mbit(), 9.0);
  EXPECT_LE(b.mbit(), 10.0);
  std::printf("goodput through 10 Mbit/s: %.2f Mbit/s\n", b.mbit());
}

TEST_F(EngineIntegration, JitterFollowsConfiguredDistribution) {
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  EngineProc eng(net, link_config("ab", "p0", "p1", Impairment{}, Impairment{}));
  ASSERT_TRUE(eng.ready()) << eng.log();

  // The path's own one-way latency (veths, engine, receiver wake-up), taken
  // off every sample below.
  auto base = udp_probes(net.node(0), net.node(1), TestNet::ip(1), 200, 1 * kMs, 50 * kMs);
  ASSERT_GE(base.one_way_ns.size(), 190u);
  const double base_ms = static_cast<double>(median(base.one_way_ns)) / kMs;

  auto run = [&](const Impairment& imp) {
    auto r = eng.request({{"op", "set"}, {"link", "ab"}, {"dir", "a->b"}, {"impairment", imp}});
    EXPECT_TRUE(r.ok());
    auto p = udp_probes(net.node(0), net.node(1), TestNet::ip(1), 1000, 1 * kMs, 100 * kMs);
    std::vector<double> x;
    for (int64_t d : p.one_way_ns) x.push_back(static_cast<double>(d) / kMs - base_ms);
    return x;
  };

  Impairment u = delay(10 * kMs);
  u.jitter_ns = 4 * kMs;
  u.jitter_dist = JitterDist::kUniform;
  auto xu = run(u);
  ASSERT_GE(xu.size(), 990u);
  auto uniform_cdf = [](double x) { return std::clamp((x - 6.0) / 8.0, 0.0, 1.0); };
  const double du = ks_statistic(xu, uniform_cdf);
  EXPECT_LT(du, ks_critical_5pct(xu.size())) << "uniform 10ms +- 4ms: KS D = " << du;

  Impairment nrm = delay(10 * kMs);
  nrm.jitter_ns = 2 * kMs;
  nrm.jitter_dist = JitterDist::kNormal;
  auto xn = run(nrm);
  ASSERT_GE(xn.size(), 990u);
  auto normal_cdf = [](double x) { return 0.5 * std::erfc(-(x - 10.0) / (2.0 * std::sqrt(2.0))); };
  const double dn = ks_statistic(xn, normal_cdf);
  EXPECT_LT(dn, ks_critical_5pct(xn.size())) << "normal 10ms sd 2ms: KS D = " << dn;

  // The test has teeth: the uniform sample is rejected as normal with the
  // same mean and standard deviation (8/sqrt(12) ms).
  auto wrong_cdf = [](double x) { return 0.5 * std::erfc(-(x - 10.0) / (2.3094 * std::sqrt(2.0))); };
  EXPECT_GT(ks_statistic(xu, wrong_cdf), ks_critical_5pct(xu.size()));
  std::printf("KS D: uniform %.4f, normal %.4f (critical %.4f); base one-way %.3f ms\n", du, dn,
              ks_critical_5pct(xu.size()), base_ms);
}

std::string read_file(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST_F(EngineIntegration, SameSeedGivesIdenticalTrace) {
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  Impairment imp = delay(5 * kMs);
  imp.jitter_ns = 3 * kMs;
  imp.loss_ppm = 50'000;
  imp.duplicate_ppm = 20'000;
  imp.corrupt_ppm = 20'000;
  imp.reorder_ppm = 50'000;
  auto trace_of = [&](uint64_t seed, const std::string& tag) {
    const std::string path = "/tmp/" + net.prefix() + "trace" + tag;
    {
      EngineProc eng(net, link_config("ab", "p0", "p1", imp, Impairment{}, seed), path, tag);
      EXPECT_TRUE(eng.ready()) << eng.log();
      auto p = udp_probes(net.node(0), net.node(1), TestNet::ip(1), 500, 1 * kMs, 50 * kMs);
      EXPECT_EQ(p.sent, 500u);
      EXPECT_EQ(eng.stop(), 0);
    }
    std::string t = read_file(path);
    ::unlink(path.c_str());
    return t;
  };
  const std::string t1 = trace_of(42, "r1"), t2 = trace_of(42, "r2"), t3 = trace_of(43, "r3");
  ASSERT_FALSE(t1.empty());
  size_t lines = 0, copies = 0;
  std::istringstream in(t1);
  for (std::string line; std::getline(in, line);) {
    ++lines;
    if (line.find(" copy") != std::string::npos) ++copies;
  }
  EXPECT_EQ(lines, 500 + copies) << "one line per packet, plus one per duplicate copy";
  EXPECT_NE(t1.find("drop-loss"), std::string::npos);
  EXPECT_NE(t1.find("dup"), std::string::npos);
  EXPECT_EQ(t1, t2) << "same seed, same packets: the traces must be identical";
  EXPECT_NE(t1, t3) << "a different seed must give different decisions";
}

TEST_F(EngineIntegration, LiveDelayChangeKeepsTcpStreamClean) {
  TestNet net(2);
  ASSERT_TRUE(net.ok());
  // Engine, sender and receiver on one CPU: the kernel's per-CPU veth
  // backlogs cannot reorder frames, so any reordering TCP sees is the
  // engine's (see PinnedToCpu).
  const int cpu = ::sched_getcpu();
  ASSERT_GE(cpu, 0);
  PinnedToCpu pin(cpu);
  ASSERT_TRUE(pin.ok());
  EngineProc eng(net, link_config("ab", "p0", "p1", delay(20 * kMs), delay(20 * kMs)), "", "",
                 {"--cpu", std::to_string(cpu)});
  ASSERT_TRUE(eng.ready()) << eng.log();
  const int64_t steps[] = {40 * kMs, 10 * kMs, 5 * kMs, 20 * kMs};
  int failures = 0;
  auto b = tcp_bulk(net.node(0), net.node(1), TestNet::ip(1), 7003, 5.0, 0.5, 0, 20'000'000, {1.0, 2.0, 3.0, 4.0},
                    [&](int i) {
                      auto r = eng.request(
                          {{"op", "set"}, {"link", "ab"}, {"dir", "both"}, {"impairment", delay(steps[i])}});
                      if (!r.ok()) ++failures;
                    });
  ASSERT_TRUE(b.connected);
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(b.send_errors, 0) << "errno " << b.last_errno << " (a reset?)";
  EXPECT_EQ(b.received_bytes, b.sent_bytes);
  EXPECT_GT(b.sent_bytes, 5'000'000u);
  EXPECT_LE(b.total_retrans, 2u) << "a delay change must not look like loss to TCP";
  EXPECT_EQ(b.reordering, 3u) << "no reordering seen by TCP";
  std::printf("stream across 4 live delay changes: %.1f MB, %u retransmissions, tcpi_reordering %u\n",
              b.sent_bytes / 1e6, b.total_retrans, b.reordering);
  auto st = eng.request({{"op", "stats"}});
  ASSERT_TRUE(st.ok());
  for (const char* d : {"a->b", "b->a"}) {
    EXPECT_EQ((*st)["links"]["ab"][d]["dropped_queue"].get<uint64_t>(), 0u);
    EXPECT_EQ((*st)["links"]["ab"][d]["dropped_loss"].get<uint64_t>(), 0u);
  }
  auto now_in_force = eng.request({{"op", "get"}});
  ASSERT_TRUE(now_in_force.ok());
  for (const char* d : {"a->b", "b->a"})
    EXPECT_EQ((*now_in_force)["links"]["ab"][d]["delay_ns"].get<int64_t>(), 20 * kMs) << "the last change is in force";
}

TEST_F(EngineIntegration, SegmentSharesOneBottleneck) {
  TestNet net(3);
  ASSERT_TRUE(net.ok());
  Impairment imp = delay(1 * kMs);
  imp.rate_bps = 10'000'000;
  json cfg = {{"seed", 3},
              {"segments", json::array({{{"name", "lan"}, {"ports", {"p0", "p1", "p2"}}, {"impairment", imp}}})}};
  EngineProc eng(net, cfg);
  ASSERT_TRUE(eng.ready()) << eng.log();
  BulkResult r1, r2;
  std::thread t1([&] { r1 = tcp_bulk(net.node(0), net.node(2), TestNet::ip(2), 7004, 6.0, 1.0); });
  std::thread t2([&] { r2 = tcp_bulk(net.node(1), net.node(2), TestNet::ip(2), 7005, 6.0, 1.0); });
  t1.join();
  t2.join();
  ASSERT_TRUE(r1.connected && r2.connected);
  const double sum = r1.mbit() + r2.mbit();
  std::printf("two flows through one 10 Mbit/s segment: %.2f + %.2f = %.2f Mbit/s\n", r1.mbit(), r2.mbit(), sum);
  EXPECT_LE(sum, 10.0) << "both flows share the segment's one bottleneck";
  EXPECT_GE(sum, 8.0) << "the bottleneck is used";
  EXPECT_GT(r1.mbit(), 1.0);
  EXPECT_GT(r2.mbit(), 1.0);
  auto st = eng.request({{"op", "stats"}});
  ASSERT_TRUE(st.ok());
  EXPECT_EQ((*st)["segments"]["lan"]["mac_entries"].get<uint64_t>(), 3u);
}

TEST_F(EngineIntegration, DisableOffloadsTurnsSegmentationAndChecksumOff) {
  TestNet net(0);
  ASSERT_TRUE(net.ok());
  ASSERT_EQ(sh("ip -n " + net.fabric() + " link add o0 type veth peer name o1"), 0);
  auto before = in_ns(net.fabric(), [] { return faultline::netem::query_offloads("o0"); });
  ASSERT_TRUE(before.ok()) << before.error().message();
  EXPECT_TRUE(before->tso && before->tx_checksum) << "a fresh veth offloads";
  auto st = in_ns(net.fabric(), [] { return faultline::netem::disable_offloads("o0"); });
  ASSERT_TRUE(st.ok()) << st.error().message();
  auto after = in_ns(net.fabric(), [] { return faultline::netem::query_offloads("o0"); });
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->tso || after->gso || after->tx_checksum || after->gro);
  auto missing = in_ns(net.fabric(), [] { return faultline::netem::disable_offloads("nosuchdev0"); });
  EXPECT_FALSE(missing.ok());
}

}  // namespace
}  // namespace fl_engine_test
