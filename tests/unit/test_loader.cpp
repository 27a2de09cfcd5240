// SPDX-License-Identifier: Apache-2.0
// The TOML loader: a corpus of bad files, each naming the error it must
// produce and where; a corpus of good files that must load; the values they
// load to; and --set overrides.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>

#include "orchestrator/model/loader.hpp"

using namespace faultline;
using namespace faultline::model;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kMs = 1'000'000, kS = 1'000'000'000;

std::vector<std::string> corpus(const std::string& sub) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(FL_CORPUS_DIR) / sub))
    if (e.path().extension() == ".toml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = fs::path(info.param).stem().string();
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

std::string dump(const std::vector<Diagnostic>& errors) {
  std::string out;
  for (const auto& e : errors) out += "  " + e.str() + "\n";
  return out.empty() ? "  (no errors)\n" : out;
}

// "# expect: LINE:COL: substring" on the first line, optionally
// "# errors: N" (default 1) on the second.
struct Expectation {
  int line = 0, col = 0;
  std::string substring;
  size_t count = 1;
};

Expectation read_expectation(const std::string& path) {
  std::ifstream in(path);
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  static const std::regex expect_re(R"(^# expect: (\d+):(\d+): (.+)$)");
  static const std::regex count_re(R"(^# errors: (\d+)$)");
  std::smatch m;
  Expectation e;
  if (!std::regex_match(first, m, expect_re))
    ADD_FAILURE() << path << ": first line is not '# expect: L:C: text'";
  else
    e = Expectation{std::stoi(m[1]), std::stoi(m[2]), m[3], 1};
  if (std::regex_match(second, m, count_re)) e.count = std::stoul(m[1]);
  return e;
}

Topology must_load(std::string_view text) {
  auto r = load_string(text, "test.toml");
  EXPECT_TRUE(r.errors.empty()) << dump(r.errors);
  if (!r.topology) return Topology{};
  return *r.topology;
}

std::vector<Diagnostic> errors_of(std::string_view text) {
  auto r = load_string(text, "test.toml");
  EXPECT_FALSE(r.topology.has_value());
  return r.errors;
}

bool has_error(const std::vector<Diagnostic>& errors, int line, int col, const std::string& substring) {
  return std::any_of(errors.begin(), errors.end(), [&](const Diagnostic& d) {
    return d.loc.line == line && d.loc.col == col && d.message.find(substring) != std::string::npos;
  });
}

Topology load_corpus_file(const std::string& name) {
  auto r = load_file(std::string(FL_CORPUS_DIR) + "/good/" + name);
  EXPECT_TRUE(r.errors.empty()) << dump(r.errors);
  return r.topology.value_or(Topology{});
}

const Node& node(const Topology& t, const std::string& name) {
  const Node* n = t.find_node(name);
  if (!n) throw std::runtime_error("no node " + name);
  return *n;
}

}  // namespace

// ---- corpus -----------------------------------------------------------------

class BadCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(BadCorpus, ReportsTheExpectedErrorAtItsPlace) {
  const auto want = read_expectation(GetParam());
  const auto r = load_file(GetParam());
  EXPECT_FALSE(r.topology.has_value());
  EXPECT_EQ(r.errors.size(), want.count) << "errors:\n" << dump(r.errors);
  EXPECT_TRUE(has_error(r.errors, want.line, want.col, want.substring))
      << "expected " << want.line << ":" << want.col << ": ..." << want.substring << "...\ngot:\n"
      << dump(r.errors);
  for (const auto& e : r.errors) EXPECT_EQ(e.loc.file, GetParam()) << e.str();
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadCorpus, ::testing::ValuesIn(corpus("bad")), test_name);

TEST(BadCorpusSize, HasAtLeast25Files) { EXPECT_GE(corpus("bad").size(), 25u); }

class GoodCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(GoodCorpus, Loads) {
  const auto r = load_file(GetParam());
  EXPECT_TRUE(r.errors.empty()) << dump(r.errors);
  EXPECT_TRUE(r.topology.has_value());
}

INSTANTIATE_TEST_SUITE_P(Corpus, GoodCorpus, ::testing::ValuesIn(corpus("good")), test_name);

std::vector<std::string> example_topologies() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(FL_SOURCE_DIR) / "topologies"))
    if (e.path().extension() == ".toml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Examples, GoodCorpus, ::testing::ValuesIn(example_topologies()), test_name);

// ---- values -------------------------------------------------------------------

TEST(Values, QuantitiesAreIntegersInBaseUnits) {
  const auto t = must_load(R"(
[[node]]
name = "api"
cpu = 0.5
memory = "256MiB"

[[node]]
name = "db"

[[link]]
between = ["api", "db"]
delay = "20ms"
)");
  EXPECT_EQ(node(t, "api").cpu_millicores, 500u);
  EXPECT_EQ(node(t, "api").memory_bytes, 268'435'456u);
  ASSERT_EQ(t.links.size(), 1u);
  EXPECT_EQ(t.links[0].a_to_b.delay_ns, 20'000'000);
  EXPECT_EQ(t.links[0].b_to_a.delay_ns, 20'000'000);
}

TEST(Values, JudgementThresholdsAndCheckWindowsAreRead) {
  const auto t = must_load(R"(
[[node]]
name = "api"
  [[node.service]]
  port = 80
  slo = "40ms"

[expect]
failed_below = "5%"
health_window = "50ms"
onset_resolution = "20ms"
slo = "250ms"
collapse_below = "20%"
recovered_above = "90%"
recovered_p99 = 1.5
recovery_window = "3s"
load_back_within = "25%"

[[expect.check]]
name = "late errors"
metric = "errors"
service = "api"
from = "20s"
to = "30s"
op = "<"
threshold = 1
)");
  const auto& j = t.expect.judge;
  EXPECT_EQ(j.failed_good_ppm, 50'000u);
  EXPECT_EQ(j.health_window_ns, 50'000'000);
  EXPECT_EQ(j.onset_resolution_ns, 20'000'000);
  EXPECT_EQ(j.slo_p99_ns, 250'000'000);
  EXPECT_EQ(j.collapse_goodput_ppm, 200'000u);
  EXPECT_EQ(j.recovered_goodput_ppm, 900'000u);
  EXPECT_DOUBLE_EQ(j.recovered_p99, 1.5);
  EXPECT_EQ(j.recovery_window_ns, 3'000'000'000);
  EXPECT_EQ(j.load_back_ppm, 250'000u);
  EXPECT_EQ(node(t, "api").services.at(0).slo_p99_ns, 40'000'000) << "a service's own SLO";
  ASSERT_EQ(t.expect.checks.size(), 1u);
  EXPECT_EQ(t.expect.checks[0].from_ns, 20'000'000'000);
  EXPECT_EQ(t.expect.checks[0].to_ns, 30'000'000'000);
}

TEST(Values, DirectionTableOverridesOnlyItsDirection) {
  const auto t = must_load(R"(
[[node]]
name = "api"
[[node]]
name = "db"

[[link]]
between = ["api", "db"]
delay = "10ms"
loss = "1%"
a_to_b = { delay = "30ms", rate = "10Mbit" }
)");
  const Link& l = t.links.at(0);
  EXPECT_EQ(l.a, "api");
  EXPECT_EQ(l.b, "db");
  EXPECT_EQ(l.a_to_b.delay_ns, 30 * kMs);
  EXPECT_EQ(l.a_to_b.rate_bps, 10'000'000u);
  EXPECT_EQ(l.a_to_b.loss_ppm, 10'000u);  // not overridden: inherited
  EXPECT_EQ(l.b_to_a.delay_ns, 10 * kMs);
  EXPECT_EQ(l.b_to_a.rate_bps, 0u);
  EXPECT_EQ(l.b_to_a.loss_ppm, 10'000u);
}

TEST(Values, FullFileEveryKey) {
  const auto t = load_corpus_file("full.toml");
  const auto& e = t.experiment;
  EXPECT_EQ(e.name, "full.example_1");
  EXPECT_EQ(e.duration_ns, 600 * kS);
  EXPECT_EQ(e.seed, 42u);
  EXPECT_EQ(e.warmup_ns, 2 * kS);
  EXPECT_EQ(e.baseline_ns, 30 * kS);
  EXPECT_EQ(e.horizon_ns, 60 * kS);
  EXPECT_EQ(e.tick_ns, 500 * kMs);
  EXPECT_EQ(e.pool_addr, (192u << 24) | (168u << 16) | (64u << 8));
  EXPECT_EQ(e.pool_prefix, 20);
  EXPECT_EQ(e.backend, Backend::kUserspace);
  EXPECT_EQ(e.metrics_port, 9500);

  const Node& client = node(t, "client");
  EXPECT_EQ(client.cpu_millicores, 250u);
  EXPECT_EQ(client.memory_bytes, 64u << 20);
  EXPECT_EQ(client.pids, 256u);
  EXPECT_EQ(client.command, "sleep infinity");
  EXPECT_EQ(client.metrics_port, 9100);
  ASSERT_TRUE(client.load.has_value());
  const Load& load = *client.load;
  EXPECT_EQ(load.target_node, "api-gw");
  EXPECT_EQ(load.target_port, 8080);
  EXPECT_EQ(load.mix, (std::vector<RequestKind>{{"/orders", 3}, {"/health", 1}}));
  EXPECT_DOUBLE_EQ(load.rate, 250.5);
  EXPECT_EQ(load.arrival, Load::Arrival::kConstant);
  EXPECT_EQ(load.schedule, (std::vector<RateStep>{{RateStep::Kind::kStep, 60 * kS, 0, 500},
                                                  {RateStep::Kind::kRamp, 120 * kS, 30 * kS, 100},
                                                  {RateStep::Kind::kSpike, 180 * kS, 10 * kS, 2000}}));
  EXPECT_EQ(load.timeout_ns, 1'500 * kMs);
  EXPECT_EQ(load.retries, 2u);
  EXPECT_EQ(load.backoff, (Backoff{Backoff::Kind::kExponential, Backoff::Jitter::kEqual, 50 * kMs, 2 * kS, 3.0}));
  EXPECT_EQ(load.budget_ppm, 100'000u);
  EXPECT_EQ(load.budget_min_per_s, 1u);
  EXPECT_EQ(load.throttle, (RetryThrottle{100, 0.5}));
  EXPECT_EQ(load.connections, 16u);
  EXPECT_EQ(load.metrics_port, 9200);

  const Node& gw = node(t, "api-gw");
  EXPECT_EQ(gw.cpu_millicores, 2000u);
  EXPECT_EQ(gw.memory_bytes, 1u << 30);
  ASSERT_EQ(gw.services.size(), 2u);
  const Service& s = gw.services[0];
  EXPECT_EQ(s.name, "gateway");
  EXPECT_EQ(s.port, 8080);
  EXPECT_EQ(s.workers, 64u);
  EXPECT_EQ(s.queue, 0u);
  EXPECT_TRUE(s.lifo);
  EXPECT_EQ(s.max_queue_delay_ns, 250 * kMs);
  EXPECT_FALSE(s.drop_abandoned);
  ASSERT_EQ(s.endpoints.size(), 2u);
  const Endpoint& ep = s.endpoints[0];  // the service's own keys
  EXPECT_EQ(ep.path, "/orders");
  EXPECT_EQ(ep.work, (DurationDist{DurationDist::Kind::kNormal, 2 * kMs, kMs / 2, 0}));
  EXPECT_EQ(ep.wait, (DurationDist{DurationDist::Kind::kUniform, 2 * kMs, kMs, 0}));
  EXPECT_EQ(ep.request_memory_bytes, 65'536u);
  EXPECT_EQ(ep.response_bytes, 1'000u);
  EXPECT_EQ(ep.error_ppm, 5'000u);
  EXPECT_TRUE(ep.parallel_calls);
  ASSERT_EQ(ep.calls.size(), 2u);
  const Call& c = ep.calls[0];
  EXPECT_EQ(c.to_node, "db");
  EXPECT_EQ(c.to_port, 5432);
  EXPECT_EQ(c.path, "/q");
  EXPECT_EQ(c.timeout_ns, 300 * kMs);
  EXPECT_EQ(c.retries, 3u);
  EXPECT_EQ(c.backoff, (Backoff{Backoff::Kind::kExponential, Backoff::Jitter::kDecorrelated, 10 * kMs, kS, 2.0}));
  EXPECT_EQ(c.probability_ppm, 800'000u);
  EXPECT_EQ(c.budget_ppm, 200'000u);
  EXPECT_EQ(c.budget_min_per_s, 5u);
  EXPECT_EQ(c.hedge_ns, 50 * kMs);
  EXPECT_TRUE(c.fallback);
  EXPECT_EQ(c.breaker, (CircuitBreaker{true, 0, 250'000, 50, 20, 5 * kS, 3}));
  EXPECT_EQ(c.throttle, (RetryThrottle{10, 0.1}));
  const Call& c2 = ep.calls[1];
  CircuitBreaker consecutive;
  consecutive.enabled = true;
  consecutive.consecutive_failures = 5;
  EXPECT_EQ(c2.breaker, consecutive);
  EXPECT_EQ(c2.retries, 0u);
  EXPECT_EQ(c2.backoff, Backoff{});  // defaults when not written
  EXPECT_EQ(c2.throttle, RetryThrottle{});
  EXPECT_EQ(c2.throttle.max_tokens, 0u);  // no throttling unless asked for
  const Endpoint& health = s.endpoints[1];
  EXPECT_EQ(health.path, "/health");
  EXPECT_EQ(health.work, (DurationDist{DurationDist::Kind::kConstant, 50'000, 0, 0}));
  EXPECT_EQ(health.wait, (DurationDist{DurationDist::Kind::kExponential, kMs, 0, 0}));
  EXPECT_EQ(health.request_memory_bytes, 1'024u);
  EXPECT_EQ(health.response_bytes, 16u);
  EXPECT_EQ(health.error_ppm, 1'000u);
  EXPECT_TRUE(health.parallel_calls);
  ASSERT_EQ(health.calls.size(), 1u);
  EXPECT_EQ(health.calls[0].path, "/ping");
  EXPECT_EQ(health.calls[0].throttle, (RetryThrottle{10, 0.1}));  // gRFC A6's example values
  EXPECT_EQ(gw.services[1].name, "api-gw-9090");
  EXPECT_TRUE(gw.services[1].drop_abandoned);
  ASSERT_EQ(gw.services[1].endpoints.size(), 1u);
  EXPECT_EQ(gw.services[1].endpoints[0].path, "/");
  EXPECT_EQ(gw.services[1].endpoints[0].work.kind, DurationDist::Kind::kPareto);
  EXPECT_EQ(gw.services[1].endpoints[0].wait.kind, DurationDist::Kind::kLognormal);

  const Node& db = node(t, "db");
  EXPECT_EQ(db.memory_bytes, 512'000'000u);
  ASSERT_EQ(db.services.size(), 2u);
  EXPECT_EQ(db.services[0].name, "db");
  EXPECT_EQ(db.services[0].endpoints.size(), 2u);
  EXPECT_EQ(db.services[0].endpoints[1].path, "/ping");
  EXPECT_EQ(db.services[0].endpoints[1].work, DurationDist{});
  EXPECT_EQ(db.services[1].name, "db-6379");
  EXPECT_EQ(db.services[1].endpoints.at(0).work, (DurationDist{DurationDist::Kind::kConstant, 100'000, 0, 0}));
  EXPECT_EQ(db.services[1].endpoints.at(0).wait, DurationDist{});
}

TEST(Values, FullFileNetwork) {
  const auto t = load_corpus_file("full.toml");
  ASSERT_EQ(t.links.size(), 2u);
  const auto& ab = t.links[0].a_to_b;
  EXPECT_EQ(t.links[0].backend, Backend::kKernel);
  EXPECT_EQ(ab.delay_ns, 20 * kMs);
  EXPECT_EQ(ab.jitter_ns, 2 * kMs);
  EXPECT_EQ(ab.jitter_dist, netem::JitterDist::kParetoNormal);
  EXPECT_EQ(ab.delay_correlation_ppm, 250'000u);
  EXPECT_EQ(ab.loss_ppm, 10'000u);
  EXPECT_EQ(ab.loss_correlation_ppm, 500'000u);
  EXPECT_EQ(ab.duplicate_ppm, 1'000u);
  EXPECT_EQ(ab.corrupt_ppm, 100u);
  EXPECT_EQ(ab.reorder_ppm, 50'000u);
  EXPECT_EQ(ab.rate_bps, 12'500'000u);
  EXPECT_EQ(ab.overhead_bytes, -4);
  EXPECT_EQ(ab.limit_packets, 2000u);
  EXPECT_EQ(ab.limit_bytes, 1u << 20);
  // b_to_a = { delay = "5ms", loss = "0%" }: the loss keys replace as a group.
  const auto& ba = t.links[0].b_to_a;
  EXPECT_EQ(ba.delay_ns, 5 * kMs);
  EXPECT_EQ(ba.loss_ppm, 0u);
  EXPECT_EQ(ba.loss_correlation_ppm, 0u);
  EXPECT_EQ(ba.jitter_ns, 2 * kMs);

  const auto& ge = t.links[1];
  for (const auto* dir : {&ge.a_to_b, &ge.b_to_a}) {
    EXPECT_EQ(dir->loss_model, netem::LossModel::kGilbertElliott);
    EXPECT_EQ(dir->gilbert, (netem::GilbertElliott{10'000, 250'000, 100'000, 5'000}));
  }
  EXPECT_EQ(ge.a_to_b.rate_bps, 1'000'000'000u);
  EXPECT_EQ(ge.b_to_a.rate_bps, 0u);

  ASSERT_EQ(t.segments.size(), 1u);
  EXPECT_EQ(t.segments[0].name, "storage");
  EXPECT_EQ(t.segments[0].members, (std::vector<model::NodeId>{"api-gw"_node, "db"_node, "cache-replica-1"_node}));
  EXPECT_EQ(t.segments[0].impairment.rate_bps, 100'000'000u);
  EXPECT_EQ(t.segments[0].impairment.delay_ns, kMs);
}

TEST(Values, FullFileFaultsAndExpect) {
  const auto t = load_corpus_file("full.toml");
  ASSERT_EQ(t.faults.size(), 8u);
  const Fault& cpu = t.faults[0];
  EXPECT_EQ(cpu.at_ns, 60 * kS);
  EXPECT_EQ(cpu.for_ns, 30 * kS);
  EXPECT_EQ(cpu.ramp_ns, 10 * kS);
  EXPECT_EQ(cpu.target, (FaultTarget::on_node("db"_node)));
  EXPECT_EQ(cpu.cpu_millicores, 100u);
  EXPECT_EQ(cpu.memory_bytes, 128u << 20);
  EXPECT_EQ(t.faults[1].action, Fault::Action::kRestart);
  EXPECT_EQ(t.faults[2].action, Fault::Action::kCpuHog);
  EXPECT_EQ(t.faults[2].hog_millicores, 1500u);
  EXPECT_EQ(t.faults[3].action, Fault::Action::kMemoryHog);
  EXPECT_EQ(t.faults[3].hog_bytes, 100u << 20);
  EXPECT_EQ(t.faults[3].for_ns, 0);

  // target = "link:db-api-gw", direction = "a->b" on a link between ["api-gw", "db"]:
  // stored in the link's order, so the direction becomes b->a.
  const Fault& lf = t.faults[4];
  EXPECT_EQ(lf.target, (FaultTarget::on_link({"api-gw"_node, "db"_node})));
  EXPECT_EQ(lf.direction, model::Direction::kBtoA);
  ASSERT_TRUE(lf.impairment.has_value());
  EXPECT_EQ(lf.impairment->loss_ppm, 100'000u);
  EXPECT_EQ(lf.impairment->loss_model, netem::LossModel::kRandom);
  EXPECT_EQ(lf.during_a_to_b, t.links[1].a_to_b);  // untouched direction
  EXPECT_EQ(lf.during_b_to_a.loss_model, netem::LossModel::kRandom);
  EXPECT_EQ(lf.during_b_to_a.loss_ppm, 100'000u);
  EXPECT_EQ(lf.during_b_to_a.gilbert, netem::GilbertElliott{});

  EXPECT_EQ(t.faults[5].action, Fault::Action::kPartition);
  EXPECT_EQ(t.faults[5].target.kind, FaultTarget::Kind::kLink);
  EXPECT_FALSE(t.faults[5].impairment.has_value());

  const Fault& sf = t.faults[6];
  EXPECT_EQ(sf.target.kind, FaultTarget::Kind::kSegment);
  EXPECT_EQ(sf.impairment->delay_ns, 50 * kMs);
  EXPECT_EQ(sf.impairment->rate_bps, 0u);  // only what the fault sets
  EXPECT_EQ(sf.during_a_to_b.delay_ns, 50 * kMs);
  EXPECT_EQ(sf.during_a_to_b.jitter_ns, 10 * kMs);
  EXPECT_EQ(sf.during_a_to_b.rate_bps, 100'000'000u);  // the segment's own, kept
  EXPECT_EQ(sf.during_a_to_b, sf.during_b_to_a);

  EXPECT_EQ(t.faults[7].target, (FaultTarget::on_load("client"_node)));
  EXPECT_EQ(t.faults[7].rate, 1000.0);

  const Expect& x = t.expect;
  EXPECT_EQ(x.recovers_within_ns, 45 * kS);
  EXPECT_EQ(x.collapse, false);
  EXPECT_EQ(x.max_cumulative_amplification, 3.5);
  EXPECT_EQ(x.max_hop_amplification, 2.0);
  EXPECT_EQ(x.max_blast_radius_ppm, 500'000u);
  ASSERT_EQ(x.checks.size(), 2u);
  EXPECT_EQ(x.checks[0].service, "gateway");
  EXPECT_EQ(x.checks[0].aggregate, Aggregate::kP99);
  EXPECT_EQ(x.checks[0].phase, Phase::kRecovery);
  EXPECT_EQ(x.checks[0].op, CompareOp::kLt);
  EXPECT_DOUBLE_EQ(x.checks[0].threshold, 0.25);
  EXPECT_EQ(x.checks[1].aggregate, Aggregate::kMean);  // defaults
  EXPECT_EQ(x.checks[1].phase, Phase::kFault);
  EXPECT_EQ(x.checks[1].op, CompareOp::kLe);
}

TEST(Values, DefaultsWhenLeftOut) {
  const auto t = load_corpus_file("minimal.toml");
  Experiment defaults;
  defaults.loc = SourceLoc{std::string(FL_CORPUS_DIR) + "/good/minimal.toml", 1, 1};
  EXPECT_EQ(t.experiment, defaults);
  const Node& n = node(t, "solo");
  EXPECT_EQ(n.cpu_millicores, 0u);
  EXPECT_EQ(n.memory_bytes, 0u);
  EXPECT_EQ(n.pids, 1024u);
  EXPECT_FALSE(n.restart_on_failure);
  EXPECT_EQ(n.restart_delay_ns, kS);
  EXPECT_FALSE(n.load.has_value());
  EXPECT_EQ(n.loc.line, 2);
  EXPECT_EQ(n.loc.col, 1);
}

TEST(Values, DesignSketchLoadsAsWritten) {
  const auto t = load_corpus_file("design_sketch.toml");
  EXPECT_EQ(t.experiment.name, "retry-storm");
  EXPECT_EQ(t.experiment.duration_ns, 120 * kS);
  EXPECT_EQ(node(t, "db").cpu_millicores, 1000u);
  EXPECT_EQ(node(t, "db").memory_bytes, 268'435'456u);
  EXPECT_EQ(node(t, "db").services.at(0).endpoints.at(0).work.kind, DurationDist::Kind::kExponential);
  const Call& c = node(t, "api").services.at(0).endpoints.at(0).calls.at(0);
  EXPECT_EQ(c.backoff, (Backoff{Backoff::Kind::kExponential, Backoff::Jitter::kFull, 10 * kMs, 100 * kMs, 2.0}));
  EXPECT_EQ(node(t, "client").load->rate, 400.0);
  EXPECT_EQ(t.links.at(0).a_to_b.delay_ns, 2 * kMs);
  EXPECT_EQ(t.segments.at(0).impairment.rate_bps, 200'000'000u);
  EXPECT_EQ(t.faults.at(0).cpu_millicores, 200u);
  EXPECT_EQ(t.expect.recovers_within_ns, 30 * kS);
}

// ---- rules not covered by one corpus file ---------------------------------------

TEST(Rules, RestartPolicyAndItsDelay) {
  const auto t = must_load("[[node]]\nname = \"a\"\nrestart = \"on-failure\"\nrestart_delay = \"250ms\"\n");
  EXPECT_TRUE(node(t, "a").restart_on_failure);
  EXPECT_EQ(node(t, "a").restart_delay_ns, 250 * kMs);
  EXPECT_FALSE(must_load("[[node]]\nname = \"a\"\nrestart = \"never\"\n").nodes.at(0).restart_on_failure);
  auto errors = errors_of("[[node]]\nname = \"a\"\nrestart = \"always\"\nrestart_delay = 0\n");
  EXPECT_TRUE(has_error(errors, 3, 11, "never")) << dump(errors);
  EXPECT_TRUE(has_error(errors, 4, 17, "more than 0")) << dump(errors);
}

TEST(Rules, AllErrorsAreCollectedInFileOrder) {
  const auto errors = errors_of(R"([experiment]
duration = "1x"

[[node]]
name = "Bad"

[[link]]
between = ["a", "b"]
loss = "200%"
)");
  ASSERT_EQ(errors.size(), 5u) << dump(errors);
  EXPECT_TRUE(has_error(errors, 2, 12, "unknown unit 'x'"));
  EXPECT_TRUE(has_error(errors, 5, 8, "not a valid node name"));
  EXPECT_TRUE(has_error(errors, 8, 12, "no node named 'a'"));
  EXPECT_TRUE(has_error(errors, 8, 17, "no node named 'b'"));
  EXPECT_TRUE(has_error(errors, 9, 8, "more than 100%"));
  EXPECT_TRUE(std::is_sorted(errors.begin(), errors.end(),
                             [](const Diagnostic& a, const Diagnostic& b) { return a.loc.line < b.loc.line; }));
}

TEST(Rules, AnInvalidNameIsStillKnownSoReferencesDoNotCascade) {
  const auto errors = errors_of(R"(
[[node]]
name = "API"
  [[node.service]]
  port = 80

[[node]]
name = "client"
load = { target = "API:80", rate = 1 }

[[link]]
between = ["API", "client"]
)");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(has_error(errors, 3, 8, "'API' is not a valid node name"));
}

TEST(Rules, UnknownKeySuggestsWithinTwoEditsElseListsAllowed) {
  auto errors = errors_of("[[node]]\nname = \"a\"\nmemroy = \"1GiB\"\n");
  EXPECT_TRUE(has_error(errors, 3, 1, "did you mean 'memory'?")) << dump(errors);
  errors = errors_of("[[node]]\nname = \"a\"\nram = \"1GiB\"\n");
  EXPECT_TRUE(has_error(errors, 3, 1, "allowed: name, cpu, memory, pids, command, metrics_port, restart, restart_delay, service, load"))
      << dump(errors);
}

TEST(Rules, WrongTomlTypesNameTheExpectedType) {
  auto errors = errors_of("[[node]]\nname = 5\n");
  EXPECT_TRUE(has_error(errors, 2, 8, "name: expected a string, got an integer")) << dump(errors);
  errors = errors_of("experiment = 5\n[[node]]\nname = \"a\"\n");
  EXPECT_TRUE(has_error(errors, 1, 14, "experiment: expected a table, got an integer")) << dump(errors);
  errors = errors_of("[[node]]\nname = \"a\"\ncpu = \"1\"\n");
  EXPECT_TRUE(has_error(errors, 3, 7, "expected a number of CPU cores such as 0.5, got a string")) << dump(errors);
  errors = errors_of("node = \"a\"\n");
  EXPECT_TRUE(has_error(errors, 1, 8, "node: expected an array of tables")) << dump(errors);
}

TEST(Rules, NamesAtTheInterfaceLimit) {
  must_load("[[node]]\nname = \"abcdefghij-1234\"\n");  // 15 characters
  const auto errors = errors_of("[[node]]\nname = \"abcdefghij-12345\"\n");
  EXPECT_TRUE(has_error(errors, 2, 8, "is 16 characters long")) << dump(errors);
  EXPECT_TRUE(has_error(errors, 2, 8, "IFNAMSIZ")) << dump(errors);
  EXPECT_FALSE(errors_of("[[node]]\nname = \"-a\"\n").empty());
  EXPECT_FALSE(errors_of("[[node]]\nname = \"a-\"\n").empty());
  must_load("[[node]]\nname = \"0\"\n");
}

TEST(Rules, DuplicateNodeNamesPointAtTheFirst) {
  const auto errors = errors_of("[[node]]\nname = \"a\"\n\n[[node]]\nname = \"a\"\n");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(has_error(errors, 5, 8, "defined at test.toml:2:8"));
}

TEST(Rules, ServiceNamesDefaultAndMustBeUnique) {
  const auto t = must_load(R"(
[[node]]
name = "api"
  [[node.service]]
  port = 80
  [[node.service]]
  port = 81
  [[node.service]]
  name = "admin"
  port = 82
)");
  const auto& s = node(t, "api").services;
  EXPECT_EQ(s.at(0).name, "api");
  EXPECT_EQ(s.at(1).name, "api-81");
  EXPECT_EQ(s.at(2).name, "admin");
  const auto errors = errors_of(R"(
[[node]]
name = "api"
  [[node.service]]
  port = 80

[[node]]
name = "db"
  [[node.service]]
  name = "api"
  port = 80
)");
  EXPECT_TRUE(has_error(errors, 10, 10, "service name 'api' is already used by the service at test.toml:4:3"))
      << dump(errors);
}

TEST(Rules, MultiHopTargetsAreReachable) {
  const auto t = must_load(R"(
[[node]]
name = "client"
load = { target = "db:5432", rate = 5 }
[[node]]
name = "api"
[[node]]
name = "db"
  [[node.service]]
  port = 5432
[[link]]
between = ["client", "api"]
[[segment]]
name = "back"
members = ["api", "db"]
)");
  EXPECT_EQ(node(t, "client").load->target_node, "db");
}

TEST(Rules, LinkFaultTargetsMatchEitherOrderAndDashedNames) {
  const std::string base = R"(
[[node]]
name = "api-gw"
[[node]]
name = "db"
[[link]]
between = ["api-gw", "db"]
[[fault]]
at = "20s"
)";
  for (const char* target : {"link:api-gw-db", "link:db-api-gw"}) {
    const auto t = must_load(base + "target = \"" + target + "\"\nloss = \"1%\"\n");
    ASSERT_EQ(t.faults.size(), 1u);
    EXPECT_EQ(t.faults[0].target.link, (model::LinkId{"api-gw"_node, "db"_node}));
  }
  auto errors = errors_of(base + "target = \"link:api-db\"\nloss = \"1%\"\n");
  EXPECT_TRUE(has_error(errors, 10, 10, "links: api-gw-db")) << dump(errors);
  errors = errors_of(base + "target = \"link:api-gw-dc\"\nloss = \"1%\"\n");
  EXPECT_TRUE(has_error(errors, 10, 10, "did you mean 'api-gw-db'?")) << dump(errors);
  // One direction is the direction key's, not the target's.
  errors = errors_of(base + "target = \"link:api-gw->db\"\nloss = \"1%\"\n");
  EXPECT_TRUE(has_error(errors, 10, 10, "no link connects 'api-gw->db'")) << dump(errors);
}

TEST(Rules, AmbiguousLinkTargetIsRefused) {
  const auto errors = errors_of(R"(
[[node]]
name = "a"
[[node]]
name = "a-b"
[[node]]
name = "b-c"
[[node]]
name = "c"
[[link]]
between = ["a", "b-c"]
[[link]]
between = ["a-b", "c"]
[[fault]]
at = "20s"
target = "link:a-b-c"
delay = "5ms"
)");
  // Both links are named "a-b-c": refused at the second, and the target
  // that names them both is refused too.
  ASSERT_EQ(errors.size(), 2u) << dump(errors);
  EXPECT_TRUE(has_error(errors, 13, 11, "this link is named 'a-b-c', and so is the link between 'a' and 'b-c'"))
      << dump(errors);
  EXPECT_TRUE(has_error(errors, 16, 10, "is ambiguous")) << dump(errors);
}

TEST(Rules, FaultKeysMustMatchTheTargetKind) {
  const std::string base =
      "[[node]]\nname = \"a\"\nload = { target = \"a:80\", rate = 1 }\n"
      "  [[node.service]]\n  port = 80\n[[fault]]\nat = \"20s\"\n";
  auto errors = errors_of(base + "target = \"load:a\"\ncpu = 0.5\n");
  EXPECT_TRUE(has_error(errors, 9, 7, "not a load fault key")) << dump(errors);
  errors = errors_of(base + "target = \"node:a\"\nloss = \"5%\"\n");
  EXPECT_TRUE(has_error(errors, 9, 8, "not a node fault key")) << dump(errors);
  errors = errors_of(base + "target = \"node:a\"\naction = \"partition\"\ndirection = \"a->b\"\n");
  EXPECT_TRUE(has_error(errors, 10, 13, "not a node fault key")) << dump(errors);
  errors = errors_of(
      "[[node]]\nname = \"a\"\n[[node]]\nname = \"b\"\n[[segment]]\nname = \"s\"\n"
      "members = [\"a\", \"b\"]\n[[fault]]\nat = \"20s\"\ntarget = \"segment:s\"\n"
      "direction = \"a->b\"\nloss = \"1%\"\n");
  EXPECT_TRUE(has_error(errors, 11, 13, "not a segment fault key")) << dump(errors);
  must_load(base + "target = \"load:a\"\nrate = 0\n");
  must_load(base + "target = \"node:a\"\naction = \"partition\"\n");
}

TEST(Rules, AddressPoolDemandCountsSegmentBlocks) {
  // 6 members + network + broadcast = 8: a /29 exactly.
  const std::string nodes =
      "[[node]]\nname = \"a\"\n[[node]]\nname = \"b\"\n[[node]]\nname = \"c\"\n"
      "[[node]]\nname = \"d\"\n[[node]]\nname = \"e\"\n[[node]]\nname = \"f\"\n"
      "[[segment]]\nname = \"s\"\nmembers = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"]\n";
  must_load("[experiment]\naddress_pool = \"10.1.2.0/29\"\n" + nodes);
  auto errors =
      errors_of("[experiment]\naddress_pool = \"10.1.2.0/29\"\n" + nodes + "[[link]]\nbetween = [\"a\", \"b\"]\n");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(has_error(errors, 2, 16, "needs 12 addresses"));
  EXPECT_TRUE(has_error(errors, 2, 16, "holds 8"));
  EXPECT_TRUE(has_error(errors, 2, 16, "a pool of /28 or larger"));
  // 7 members + 2 = 9: a /28 block of 16, too big for a /29.
  errors = errors_of("[experiment]\naddress_pool = \"10.1.2.0/29\"\n" + nodes +
                     "[[node]]\nname = \"g\"\n[[segment]]\nname = \"t\"\nmembers = [\"a\", \"b\", \"c\", \"d\", "
                     "\"e\", \"f\", \"g\"]\n");
  EXPECT_TRUE(has_error(errors, 2, 16, "needs 24 addresses")) << dump(errors);
}

TEST(Rules, AddressPoolExhaustionWithTheDefaultPointsAtTheExperiment) {
  std::string text = "[experiment]\nname = \"big\"\n";
  // 16385 links x 4 addresses > 65536 in the default /16.
  constexpr int kNodes = 200;
  for (int i = 0; i < kNodes; ++i) text += "[[node]]\nname = \"n" + std::to_string(i) + "\"\n";
  int links = 0;
  for (int i = 0; i < kNodes && links <= 16384; ++i)
    for (int j = i + 1; j < kNodes && links <= 16384; ++j, ++links)
      text += "[[link]]\nbetween = [\"n" + std::to_string(i) + "\", \"n" + std::to_string(j) + "\"]\n";
  const auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(has_error(errors, 1, 1, "needs 65540 addresses")) << dump(errors);
  EXPECT_TRUE(has_error(errors, 1, 1, "10.77.0.0/16 holds 65536")) << dump(errors);
  EXPECT_TRUE(has_error(errors, 1, 1, "/15")) << dump(errors);
}

TEST(Rules, ImpossibleImpairments) {
  const std::string base = "[[node]]\nname = \"a\"\n[[node]]\nname = \"b\"\n[[link]]\nbetween = [\"a\", \"b\"]\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"duplicate = \"101%\"", "more than 100%"},
      {"corrupt = \"100.5%\"", "more than 100%"},
      {"delay = \"10ms\"\nreorder = \"150%\"", "more than 100%"},
      {"delay = \"1ms\"\njitter = \"1ms\"\ndelay_correlation = \"101%\"", "more than 100%"},
      {"loss = \"1%\"\nloss_correlation = \"100.1%\"", "more than 100%"},
      {"delay = \"0\"\njitter = \"1ms\"", "jitter needs a delay"},
      {"loss_model = \"gemodel\"\ngemodel_p = \"1%\"", "needs gemodel_p (good -> bad) and gemodel_r"},
      {"loss_model = \"gemodel\"\ngemodel_p = \"1%\"\ngemodel_r = \"1%\"\nloss = \"1%\"", "random loss model's"},
      {"gemodel_k = \"1%\"", "only applies with loss_model = \"gemodel\""},
      {"overhead = 14", "needs a rate"},
      {"rate = \"1Mbit\"\noverhead = 5000", "allowed: -1024..1024"},
      {"limit = 0", "allowed: 1..1000000"},
      {"jitter_distribution = \"normal\"", "only applies with a jitter"},
      {"delay = \"1ms\"\njitter = \"1ms\"\njitter_distribution = \"gauss\"", "allowed: \"uniform\", \"normal\""},
      {"rate = 100", "a unit is needed, as a string, e.g. \"100Mbit\""},
      {"b_to_a = { jitter = \"1ms\" }", "jitter needs a delay"},
      {"a_to_b = { between = [\"a\", \"b\"] }", "unknown key 'between' in a_to_b of [[link]]"},
  };
  for (const auto& [keys, message] : cases) {
    const auto errors = errors_of(base + keys + "\n");
    EXPECT_EQ(errors.size(), 1u) << keys << "\n" << dump(errors);
    EXPECT_TRUE(std::any_of(errors.begin(), errors.end(),
                            [&m = message](const Diagnostic& d) { return d.message.find(m) != std::string::npos; }))
        << keys << "\n"
        << dump(errors);
  }
}

TEST(Rules, BackoffAndBreakerTables) {
  // Service a:80 calls a:81, written "... }]" by each case.
  const auto call = [](const std::string& rest) {
    return "[[node]]\nname = \"a\"\n  [[node.service]]\n  port = 80\n  calls = [{ to = \"a:81\", " + rest +
           "  [[node.service]]\n  port = 81\n";
  };
  auto t = must_load(call("backoff = { kind = \"constant\", base = \"5ms\", jitter = \"none\" } }]\n"));
  EXPECT_EQ(node(t, "a").services[0].endpoints[0].calls[0].backoff,
            (Backoff{Backoff::Kind::kConstant, Backoff::Jitter::kNone, 5 * kMs, 5 * kMs, 1.0}));
  t = must_load(call("backoff = { base = \"100ms\" } }]\n"));
  EXPECT_EQ(node(t, "a").services[0].endpoints[0].calls[0].backoff,
            (Backoff{Backoff::Kind::kExponential, Backoff::Jitter::kFull, 100 * kMs, kS, 2.0}));
  t = must_load(call("backoff = { base = \"1000000h\" } }]\n"));
  EXPECT_EQ(node(t, "a").services[0].endpoints[0].calls[0].backoff.cap_ns, std::numeric_limits<int64_t>::max())
      << "ten times the base does not fit: the cap is the longest duration";
  t = must_load(call("breaker = { window = 20 } }]\n"));
  EXPECT_EQ(node(t, "a").services[0].endpoints[0].calls[0].breaker.min_calls, 20u);
  t = must_load(call("breaker = {} }]\n"));
  EXPECT_TRUE(node(t, "a").services[0].endpoints[0].calls[0].breaker.enabled);
  EXPECT_EQ(node(t, "a").services[0].endpoints[0].calls[0].breaker, (CircuitBreaker{true, 0, 500'000, 100, 100, 60 * kS, 10}));
  auto errors = errors_of(call("backoff = { kind = \"constant\", multiplier = 2 } }]\n"));
  EXPECT_TRUE(has_error(errors, 5, 71, "only applies with kind = \"exp\"")) << dump(errors);
  errors = errors_of(call("breaker = { window = 10, min_calls = 20 } }]\n"));
  EXPECT_TRUE(has_error(errors, 5, 64, "larger than the window")) << dump(errors);
  errors = errors_of(call("breaker = { consecutve = 3 } }]\n"));
  EXPECT_TRUE(has_error(errors, 5, 39, "did you mean 'consecutive'?")) << dump(errors);
}

TEST(Rules, CallsAlwaysMadeMustNotFormACycle) {
  const std::string two = R"(
[[node]]
name = "a"
  [[node.service]]
  port = 80
  calls = [{ to = "b:80" }]
[[node]]
name = "b"
  [[node.service]]
  port = 80
  calls = [{ to = "a:80", probability = "PROB" }]
[[link]]
between = ["a", "b"]
)";
  const auto with = [&](const std::string& p) { return std::regex_replace(two, std::regex("PROB"), p); };
  const auto errors = errors_of(with("100%"));
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(has_error(errors, 11, 19, "the calls a:80/ -> b:80/ -> a:80/ form a cycle")) << dump(errors);
  must_load(with("10%"));  // ends after a few rounds
}

TEST(Rules, CyclesAreFoundBetweenEndpoints) {
  // front:80/page -> back:80/ -> front:80/static ends; calling /page again does not.
  auto t = load_corpus_file("endpoints.toml");
  EXPECT_EQ(node(t, "back").services.at(0).endpoints.at(0).calls.at(0).path, "/static");
  std::ifstream in(std::string(FL_CORPUS_DIR) + "/good/endpoints.toml");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const std::string looped = std::regex_replace(text, std::regex(R"(path = "/static" \}\])"), R"(path = "/page" }])");
  ASSERT_NE(looped, text);
  const auto errors = errors_of(looped);
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(has_error(errors, 27, 19, "the calls front:80/page -> back:80/ -> front:80/page form a cycle"))
      << dump(errors);
}

TEST(Rules, EndpointZeroIsTheServicesOwnKeys) {
  const auto t = must_load(R"(
[[node]]
name = "api"
  [[node.service]]
  port = 80
  work = "1ms"
  endpoint = [{ path = "/a", work = "2ms" }, { path = "/b" }]
  [[node.service]]
  port = 81
)");
  const auto& e = node(t, "api").services.at(0).endpoints;
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].path, "/");
  EXPECT_EQ(e[0].work.mean_ns, kMs);
  EXPECT_EQ(e[1].path, "/a");
  EXPECT_EQ(e[1].work.mean_ns, 2 * kMs);
  EXPECT_EQ(e[2].path, "/b");
  EXPECT_EQ(e[2].work, DurationDist{});  // endpoints do not inherit endpoint 0's keys
  ASSERT_EQ(node(t, "api").services.at(1).endpoints.size(), 1u);  // never empty
  Endpoint defaults = node(t, "api").services.at(1).endpoints[0];
  defaults.loc = SourceLoc{};
  EXPECT_EQ(defaults, Endpoint{});
  EXPECT_TRUE(node(t, "api").services.at(1).drop_abandoned);
}

TEST(Rules, LoadPathIsAMixOfOneAndDefaults) {
  const std::string base = "[[node]]\nname = \"a\"\n  [[node.service]]\n  port = 80\n  path = \"/x\"\n";
  auto t = must_load(base + "[[node]]\nname = \"c\"\nload = { target = \"a:80\", rate = 5, path = \"/x\" }\n"
                            "[[link]]\nbetween = [\"a\", \"c\"]\n");
  const Load& l = *node(t, "c").load;
  EXPECT_EQ(l.mix, (std::vector<RequestKind>{{"/x", 1}}));
  EXPECT_TRUE(l.schedule.empty());
  EXPECT_EQ(l.budget_ppm, 0u);
  EXPECT_EQ(l.budget_min_per_s, 3u);
  EXPECT_EQ(l.throttle, RetryThrottle{});
  EXPECT_EQ(l.metrics_port, 9464);
  // Without a path the load asks for "/", which this service does not serve.
  const auto errors = errors_of(base + "[[node]]\nname = \"c\"\nload = { target = \"a:80\", rate = 5 }\n"
                                       "[[link]]\nbetween = [\"a\", \"c\"]\n");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(has_error(errors, 8, 19, "target: service 'a' (a:80) has no endpoint \"/\"; did you mean '/x'?"))
      << dump(errors);
}

TEST(Rules, LoadKeys) {
  const std::string base =
      "[experiment]\nduration = \"60s\"\n[[node]]\nname = \"a\"\n  [[node.service]]\n  port = 80\n"
      "[[node]]\nname = \"c\"\nload = { target = \"a:80\", ";
  const std::string end = " }\n[[link]]\nbetween = [\"a\", \"c\"]\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"rate = 0", "allowed: more than 0 up to 10000000"},
      {"rate = 0, schedule = []", "schedule: is empty; leave it out for a constant rate"},
      {"rate = 1, mix = []", "mix: is empty"},
      {"rate = 1, mix = [{ weight = 2 }]", "mix needs 'path'"},
      {"rate = 1, mix = [{ path = \"/\", weight = 0 }]", "weight: 0 is out of range; allowed: 1..1000000"},
      {"rate = 1, schedule = [{ rate = 5 }]", "schedule step needs 'at'"},
      {"rate = 1, schedule = [{ at = \"5s\" }]", "schedule step needs 'rate'"},
      {"rate = 1, schedule = [{ at = \"5s\", rate = -1 }]", "allowed: 0 up to 10000000"},
      {"rate = 1, schedule = [{ at = \"5s\", rate = 1, ramp = 0 }]", "ramp: must be more than 0"},
      {"rate = 1, schedule = [{ at = \"5s\", rate = 1, spike = \"1s\" }, { at = \"5500ms\", rate = 2 }]",
       "falls inside the previous step's spike (5s to 6s)"},
      {"rate = 1, schedule = [{ at = \"5s\", rate = 1, jump = 1 }]", "unknown key 'jump' in schedule step"},
      {"rate = 1, throttle = { max_tokens = 0 }", "allowed: 1..1000"},
      {"rate = 1, throttle = { token_ratio = 1.5 }", "allowed: more than 0 up to 1"},
      {"rate = 1, throttle = { max_token = 5 }", "did you mean 'max_tokens'?"},
      {"rate = 1, budget = 0.2", "a bare number is ambiguous"},
      {"rate = 1, budget_min = -1", "allowed: 0..1000000"},
      {"rate = 1, metrics_port = 70000", "allowed: 1..65535"},
  };
  for (const auto& [keys, message] : cases) {
    const auto errors = errors_of(base + keys + end);
    EXPECT_EQ(errors.size(), 1u) << keys << "\n" << dump(errors);
    EXPECT_TRUE(std::any_of(errors.begin(), errors.end(),
                            [&m = message](const Diagnostic& d) { return d.message.find(m) != std::string::npos; }))
        << keys << "\n"
        << dump(errors);
  }
  // A schedule may start from 0; ramps and spikes may end exactly where the next step starts.
  auto t = must_load(base + "rate = 0, schedule = [{ at = \"0s\", ramp = \"10s\", rate = 100 }, "
                            "{ at = \"10s\", spike = \"1s\", rate = 900 }, { at = \"11s\", rate = 50 }]" + end);
  EXPECT_EQ(node(t, "c").load->schedule.size(), 3u);
  EXPECT_EQ(node(t, "c").load->rate, 0.0);
  // The load generator's /metrics port is checked against the services of its own node.
  const auto errors = errors_of(
      "[[node]]\nname = \"a\"\nload = { target = \"a:80\", rate = 1, metrics_port = 80 }\n  [[node.service]]\n"
      "  port = 80\n");
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(has_error(errors, 3, 52, "metrics_port: 80 is the port of service 'a' of this node (at test.toml:5:10)"))
      << dump(errors);
}

TEST(Rules, EndpointPathsAndCallPaths) {
  const std::string base = R"(
[[node]]
name = "a"
  [[node.service]]
  port = 80
  endpoint = [{ path = "/search" }, { path = "/item" }]
  [[node.service]]
  port = 81
  calls = [{ to = "a:80", path = "PATH" }]
)";
  const auto with = [&](const std::string& p) { return std::regex_replace(base, std::regex("PATH"), p); };
  for (const char* p : {"/", "/search", "/item"}) must_load(with(p));
  auto errors = errors_of(with("/iten"));
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(has_error(errors, 9, 34, "did you mean '/item'?")) << dump(errors);
  errors = errors_of(with("/nothing-like-it"));
  EXPECT_TRUE(has_error(errors, 9, 34, "its endpoints: /, /search, /item")) << dump(errors);
  // A path that failed to read is reported once, not again as a missing endpoint.
  errors = errors_of(with("search"));
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(has_error(errors, 9, 34, "must start with '/'")) << dump(errors);
  // So is an endpoint whose path failed: the callee's paths are not judged.
  errors = errors_of(std::regex_replace(with("/x"), std::regex("\"/item\""), "\"item\""));
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_TRUE(has_error(errors, 6, 46, "must start with '/'")) << dump(errors);
}

TEST(Rules, ExperimentPhases) {
  auto errors = errors_of("[experiment]\nbaseline = \"500ms\"\n[[node]]\nname = \"a\"\n");
  EXPECT_TRUE(has_error(errors, 2, 12, "shorter than one tick")) << dump(errors);
  errors = errors_of("[experiment]\nduration = \"20s\"\nwarmup = \"10s\"\n[[node]]\nname = \"a\"\n");
  EXPECT_TRUE(has_error(errors, 2, 12, "allowed: duration > warmup + baseline")) << dump(errors);
  errors = errors_of("[experiment]\nseed = -1\n[[node]]\nname = \"a\"\n");
  EXPECT_TRUE(has_error(errors, 2, 8, "out of range")) << dump(errors);
  errors = errors_of("[experiment]\nlive_records = \"5s\"\n[[node]]\nname = \"a\"\n");
  EXPECT_TRUE(has_error(errors, 2, 16, "allowed: 10s to 24h")) << dump(errors);
  errors = errors_of("[experiment]\naddress_pool = \"172.32.0.0/16\"\n[[node]]\nname = \"a\"\n");
  EXPECT_TRUE(has_error(errors, 2, 16, "not inside a private range")) << dump(errors);
  errors = errors_of("[experiment]\naddress_pool = \"10.0.0.0/31\"\n[[node]]\nname = \"a\"\n");
  EXPECT_TRUE(has_error(errors, 2, 16, "allowed: /8 to /30")) << dump(errors);
  errors = errors_of("[experiment]\naddress_pool = \"10.0.0/16\"\n[[node]]\nname = \"a\"\n");
  EXPECT_TRUE(has_error(errors, 2, 16, "CIDR form")) << dump(errors);
  must_load("[experiment]\naddress_pool = \"172.31.255.252/30\"\n[[node]]\nname = \"a\"\n");
}

TEST(Rules, SyntaxErrorsCarryTomlppLocation) {
  const auto errors = errors_of("[[node]]\nname = \"a\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].loc.line, 2);
  EXPECT_NE(errors[0].message.find("TOML syntax error"), std::string::npos);
}

TEST(Rules, MissingFileIsAnError) {
  const auto r = load_file("/nonexistent/topology.toml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].loc.file, "/nonexistent/topology.toml");
  EXPECT_NE(r.errors[0].message.find("cannot open"), std::string::npos);
}

// ---- --set ----------------------------------------------------------------------

namespace {

class Overrides : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/fl-overrides-" + std::to_string(::getpid()) + ".toml";
    std::ofstream(path_) << R"([experiment]
seed = 1

[[node]]
name = "api"
cpu = 1
  [[node.service]]
  port = 8080
  endpoint = [{ path = "/search", calls = [{ to = "db:5432" }] }]

[[node]]
name = "db"
  [[node.service]]
  port = 5432

[[link]]
between = ["api", "db"]
delay = "1ms"
)";
  }
  void TearDown() override { fs::remove(path_); }
  LoadResult load(const std::vector<std::string>& set) { return load_file_with_overrides(path_, set); }
  std::string path_;
};

}  // namespace

TEST_F(Overrides, SetValuesByDottedPathAndName) {
  const auto r = load({"experiment.seed=9", "node.api.cpu=0.5", "link.api-db.delay=5ms",
                       "node.db.service.5432.workers=3", "node.api.service.api.queue=7", "link.db-api.b_to_a.loss=2%",
                       "experiment.name=\"set by flag\"", "expect.collapse=true"});
  // The name is refused (spaces), everything else applied.
  ASSERT_EQ(r.errors.size(), 1u) << dump(r.errors);
  EXPECT_EQ(r.errors[0].loc.str(), "--set:7:17");
  const auto ok = load({"experiment.seed=9", "node.api.cpu=0.5", "link.api-db.delay=5ms",
                        "node.db.service.5432.workers=3", "node.api.service.api.queue=7", "link.db-api.b_to_a.loss=2%",
                        "expect.collapse=true", "node.0.memory=64MiB"});
  ASSERT_TRUE(ok.errors.empty()) << dump(ok.errors);
  const auto& t = *ok.topology;
  EXPECT_EQ(t.experiment.seed, 9u);
  EXPECT_EQ(node(t, "api").cpu_millicores, 500u);
  EXPECT_EQ(node(t, "api").memory_bytes, 64u << 20);
  EXPECT_EQ(t.links[0].a_to_b.delay_ns, 5 * kMs);
  EXPECT_EQ(t.links[0].b_to_a.delay_ns, 5 * kMs);
  EXPECT_EQ(t.links[0].b_to_a.loss_ppm, 20'000u);
  EXPECT_EQ(t.links[0].a_to_b.loss_ppm, 0u);
  EXPECT_EQ(node(t, "db").services[0].workers, 3u);
  EXPECT_EQ(node(t, "api").services[0].queue, 7u);
  EXPECT_EQ(t.expect.collapse, true);
}

TEST_F(Overrides, ReachServiceEndpointAndLoadKeys) {
  const auto r = load({"node.api.service.8080.drop_abandoned=false", "node.api.service.api.endpoint./search.work=exp(3ms)",
                       "node.api.service.api.endpoint./search.calls.db:5432.throttle={ max_tokens = 20 }",
                       "node.db.load.target=api:8080", "node.db.load.rate=5", "node.db.load.metrics_port=9100",
                       "node.db.load.mix=[{ path = \"/search\", weight = 2 }]"});
  ASSERT_TRUE(r.errors.empty()) << dump(r.errors);
  const Service& api = node(*r.topology, "api").services.at(0);
  EXPECT_FALSE(api.drop_abandoned);
  ASSERT_EQ(api.endpoints.size(), 2u);
  EXPECT_EQ(api.endpoints[1].work, (DurationDist{DurationDist::Kind::kExponential, 3 * kMs, 0, 0}));
  EXPECT_EQ(api.endpoints[1].calls.at(0).throttle, (RetryThrottle{20, 0.1}));
  const Load& l = *node(*r.topology, "db").load;
  EXPECT_EQ(l.metrics_port, 9100);
  EXPECT_EQ(l.mix, (std::vector<RequestKind>{{"/search", 2}}));
  // Paths select endpoints; a wrong one is suggested like a wrong name.
  const auto bad = load({"node.api.service.8080.endpoint./serch.work=1ms"});
  ASSERT_EQ(bad.errors.size(), 1u) << dump(bad.errors);
  EXPECT_EQ(bad.errors[0].loc.str(), "--set:1:32");
  EXPECT_NE(bad.errors[0].message.find("did you mean '/search'?"), std::string::npos) << bad.errors[0].str();
  // Values set by --set are checked like the file: a mix path must be an endpoint.
  const auto missing = load({"node.db.load.target=api:8080", "node.db.load.rate=5", "node.db.load.path=/serch"});
  ASSERT_EQ(missing.errors.size(), 1u) << dump(missing.errors);
  EXPECT_EQ(missing.errors[0].loc.str(), "--set:3:19");
}

TEST_F(Overrides, LaterOverridesWin) {
  const auto r = load({"experiment.seed=2", "experiment.seed=3"});
  ASSERT_TRUE(r.errors.empty()) << dump(r.errors);
  EXPECT_EQ(r.topology->experiment.seed, 3u);
}

TEST_F(Overrides, ErrorsNameTheOverrideAndColumn) {
  struct Case {
    std::vector<std::string> set;
    std::string where, message;
  };
  const std::vector<Case> cases = {
      {{"experiment.sed=9"}, "--set:1:12", "did you mean 'seed'?"},
      {{"experiment.seed=1", "node.apx.cpu=1"}, "--set:2:6", "no [[node]] named 'apx'"},
      {{"node.api.cpu=abc"}, "--set:1:14", "expected a number of CPU cores"},
      {{"link.api-db.delay=20"}, "--set:1:19", "a unit is needed"},
      {{"link.api-web.delay=1ms"}, "--set:1:6", "did you mean 'api-db'?"},
      {{"seed"}, "--set:1:1", "is not key=value"},
      {{"experiment..seed=1"}, "--set:1:12", "empty key"},
      {{"experiment.seed="}, "--set:1:17", "no value after '='"},
      {{"node.api=1"}, "--set:1:1", "needs an element and a key"},
      {{"segment.lan.rate=1Mbit"}, "--set:1:1", "there is no [[segment]]"},
      {{"experiment.seed.x=1"}, "--set:1:12", "is an integer, not a table"},
      {{"node.api.cpu=0.5", "experiment.seed=-4"}, "--set:2:17", "out of range"},
  };
  for (const auto& c : cases) {
    const auto r = load(c.set);
    ASSERT_EQ(r.errors.size(), 1u) << c.set.back() << "\n" << dump(r.errors);
    EXPECT_EQ(r.errors[0].loc.str(), c.where) << c.set.back();
    EXPECT_NE(r.errors[0].message.find(c.message), std::string::npos) << c.set.back() << ": " << r.errors[0].str();
  }
}

TEST_F(Overrides, CreatesMissingTables) {
  const auto r =
      load({"expect.max_cumulative_amplification=2.5", "node.api.load.target=db:5432", "node.api.load.rate=10"});
  ASSERT_TRUE(r.errors.empty()) << dump(r.errors);
  EXPECT_EQ(r.topology->expect.max_cumulative_amplification, 2.5);
  ASSERT_TRUE(node(*r.topology, "api").load.has_value());
  EXPECT_EQ(node(*r.topology, "api").load->target_node, "db");
}

TEST(Variants, NamesAndOverridesAreReadAndCheckedAgainstTheFile) {
  const auto t = load_corpus_file("variants.toml");
  ASSERT_EQ(t.variants.size(), 2u);
  EXPECT_EQ(t.variants[0].name, "as-written");
  EXPECT_TRUE(t.variants[0].set.empty());
  EXPECT_EQ(t.variants[1].name, "small-db");
  EXPECT_EQ(t.variants[1].set, std::vector<std::string>{"node.db.cpu=0.25"});
  EXPECT_EQ(t.find_node("db")->cpu_millicores, 1000u) << "the file's own values: variants apply when run";
}

// A variant that renames what it selects by (the call `b:80` becomes `c:80`):
// checked once against the file as written; a run's own load, with the
// variant's overrides applied, does not check the variants again, where the
// selector would no longer find the call it renamed.
TEST(Variants, ARunOfAVariantThatRenamesItsSelectorLoads) {
  const std::string text = R"T(
[[node]]
name = "a"
service = [{ port = 80, calls = [{ to = "b:80" }] }]
[[node]]
name = "b"
service = [{ port = 80 }]
[[node]]
name = "c"
service = [{ port = 80 }]
[[link]]
between = ["a", "b"]
[[link]]
between = ["a", "c"]
[[variant]]
name = "moved"
set = ["node.a.service.80.calls.b:80.to=c:80"]
)T";
  const TopologySource src{"moved.toml", text};
  const auto file = load_source(src, {});
  ASSERT_TRUE(file.errors.empty()) << dump(file.errors);
  const std::vector<std::string> set = file.topology->variants.at(0).set;
  EXPECT_FALSE(load_source(src, set).errors.empty()) << "checking the variants again trips over the rename";
  const auto run = load_source_for_run(src, set);
  ASSERT_TRUE(run.errors.empty()) << dump(run.errors);
  EXPECT_EQ(node(*run.topology, "a").services.at(0).endpoints.at(0).calls.at(0).to_node, "c");
  EXPECT_TRUE(run.topology->variants.empty()) << "a run's load reads no variants";
}
