// SPDX-License-Identifier: Apache-2.0
// The lint: Erlang C against textbook values, one small topology per
// finding with the numbers it must give (worst-case attempts, timeout
// budget, utilisation, the M/M/c prediction, the HotOS'25 condition), the
// slips of issue 15, a sound configuration without findings, and every
// finding placed at its file:line:col. Also the CPU estimate the runner uses.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "orchestrator/lint/cpu_estimate.hpp"
#include "orchestrator/lint/json.hpp"
#include "orchestrator/lint/lint.hpp"
#include "orchestrator/lint/queueing.hpp"
#include "orchestrator/lint/retrying.hpp"
#include "orchestrator/model/loader.hpp"

using namespace faultline::model::literals;

using namespace faultline;
using namespace faultline::lint;

namespace {

constexpr const char* kFile = "lint.toml";

model::Topology load(const std::string& text) {
  auto r = model::load_string(text, kFile);
  std::string errors;
  for (const auto& e : r.errors) errors += e.str() + "\n";
  EXPECT_TRUE(r.topology) << errors;
  return r.topology ? *r.topology : model::Topology{};
}

LintResult run_lint(const std::string& text, long host_cpus = 0) {
  LintOptions o;
  o.host_cpus = host_cpus;
  o.userspace_engine = false;
  return faultline::lint::lint(load(text), o);
}

std::vector<const Finding*> of(const LintResult& r, const std::string& check) {
  std::vector<const Finding*> out;
  for (const auto& f : r.findings)
    if (f.check == check) out.push_back(&f);
  return out;
}
// The pointers would outlive a temporary result (ASan caught one): name the
// result first, or ask none_of.
std::vector<const Finding*> of(LintResult&& r, const std::string& check) = delete;
bool none_of(const LintResult& r, const std::string& check) { return of(r, check).empty(); }

// A db on half a core with two 10 ms workers under 60 req/s: the capacity
// test and the JSON test read the same findings of it.
const char* const kHalfCoreDb = R"T(
[[node]]
name = "db"
cpu = 0.5
service = [{ port = 5432, workers = 2, work = "10ms" }]
[[node]]
name = "client"
load = { target = "db:5432", rate = 60 }
[[link]]
between = ["client", "db"]
)T";

std::string dump(const LintResult& r) {
  std::string s;
  for (const auto& f : r.findings) s += "  " + f.str() + "\n";
  return s;
}
// The one finding of `check`, or null (the findings in the failure).
const Finding* one_of(const LintResult& r, const std::string& check) {
  const auto found = of(r, check);
  EXPECT_EQ(found.size(), 1u) << check << ":\n" << dump(r);
  return found.size() == 1 ? found[0] : nullptr;
}
const Finding* one_of(LintResult&& r, const std::string& check) = delete;

// The line of the first line of `text` containing `needle` (1-based).
int line_of(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  return at == std::string::npos ? -1 : 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

// The column (1-based) of the first `needle` of `text` in its line.
int col_of(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) return -1;
  const auto nl = text.rfind('\n', at);
  return static_cast<int>(at - (nl == std::string::npos ? 0 : nl + 1)) + 1;
}

// Every finding points into the file, at a real position.
void expect_located(const LintResult& r) {
  for (const auto& f : r.findings) {
    EXPECT_EQ(f.loc.file, kFile) << f.str();
    EXPECT_GT(f.loc.line, 0) << f.str();
    EXPECT_GT(f.loc.col, 0) << f.str();
    EXPECT_FALSE(f.fix.empty()) << "a finding says what would fix it: " << f.str();
  }
}

// The M/M/c mean response straight from Erlang's formula (a^c / c! ...),
// independent of the recursion lint uses.
double textbook_mean(double lambda, double mu, int c) {
  const double a = lambda / mu, rho = a / c;
  double term = 1, series = 0;
  for (int k = 0; k < c; ++k) {
    series += term;
    term *= a / (k + 1);
  }
  const double tail = term / (1 - rho);
  return tail / (series + tail) / (c * mu - lambda) + 1 / mu;
}

}  // namespace

TEST(LintQueueing, ErlangCMatchesTextbookValues) {
  // c = 2, a = 1: P(wait) = 1/3 and W = 1/3 / (2 - 1) + 1 = 4/3.
  EXPECT_NEAR(erlang_c(2, 1.0), 1.0 / 3, 1e-12);
  const auto two = mmc(1, 1, 2);
  ASSERT_TRUE(two);
  EXPECT_NEAR(two->mean_s, 4.0 / 3, 1e-12);
  // M/M/1: the response time is exponential with rate mu - lambda.
  const auto one = mmc(30, 50, 1);
  ASSERT_TRUE(one);
  EXPECT_NEAR(one->wait_probability, 0.6, 1e-12);
  EXPECT_NEAR(one->mean_s, 1.0 / 20, 1e-12);
  EXPECT_NEAR(one->p99_s, std::log(100.0) / 20, 1e-9);
  EXPECT_NEAR(one->p50_s, std::log(2.0) / 20, 1e-9);
  // M/M/4 at 70%: against the closed form and a numerical convolution of the
  // wait and service densities (0.10985 s, computed apart).
  const auto four = mmc(140, 50, 4);
  ASSERT_TRUE(four);
  EXPECT_NEAR(four->mean_s, textbook_mean(140, 50, 4), 1e-12);
  EXPECT_NEAR(four->mean_s, 0.0271442, 1e-6);
  EXPECT_NEAR(four->p99_s, 0.10985, 1e-4);
  EXPECT_NEAR(mmc_response_tail(140, 50, 4, four->p99_s), 0.01, 1e-9);
  EXPECT_NEAR(mmc_response_tail(140, 50, 4, four->p50_s), 0.5, 1e-9);
  EXPECT_LT(four->p50_s, four->mean_s) << "the response time's tail pulls its mean above its median";
  // Thousands of servers: no overflow of a^c / c!.
  const auto big = mmc(9000, 1, 10000);
  ASSERT_TRUE(big);
  EXPECT_TRUE(std::isfinite(big->mean_s));
  EXPECT_LT(big->wait_probability, 1e-6);
  EXPECT_FALSE(mmc(200, 50, 4)) << "at utilisation 1 the queue has no steady state";
}

TEST(LintRetrying, WorstCaseAttemptsWithinAndCaps) {
  model::Call c;
  c.timeout_ns = 1'000'000'000;
  c.retries = 3;
  c.backoff.kind = model::Backoff::Kind::kExponential;
  c.backoff.base_ns = 100'000'000;
  c.backoff.cap_ns = 250'000'000;
  // 4 x 1 s + 100 + 200 + 250 (capped) ms.
  const Retrying r = retrying_of(c);
  EXPECT_EQ(worst_case_ns(r), 4'550'000'000);
  EXPECT_EQ(attempts_within(r, 2'000'000'000), 1u) << "1 s, then 100 ms + 1 s more is past 2 s";
  EXPECT_EQ(attempts_within(r, 2'100'000'000), 2u);
  EXPECT_EQ(attempts_within(r, 999'000'000), 0u);
  EXPECT_DOUBLE_EQ(capped_attempts(r, 100), 4);
  c.budget_ppm = 200'000;
  c.budget_min_per_s = 10;
  EXPECT_DOUBLE_EQ(capped_attempts(retrying_of(c), 100), 1 + 0.2 + 0.1) << "ratio plus the floor's share";
  c.budget_ppm = 0;
  c.throttle.max_tokens = 10;
  EXPECT_DOUBLE_EQ(capped_attempts(retrying_of(c), 100), 1) << "a throttle runs dry under sustained failure";
  // Healthy: 10% injected errors, 3 retries: 1 + 0.1 + 0.01 + 0.001; a
  // throttle (ratio 0.1: it stops above 9.1% failures) allows none.
  c.throttle.max_tokens = 0;
  EXPECT_NEAR(expected_attempts(retrying_of(c), 0.1, 100), 1.111, 1e-12);
  c.throttle.max_tokens = 10;
  EXPECT_DOUBLE_EQ(expected_attempts(retrying_of(c), 0.1, 100), 1);
}

TEST(Lint, CapacityFlagsOverloadAndWarnsAtEightyPercent) {
  // db: 2 workers, 10 ms of CPU per request, half a core: the CPU serves 50
  // req/s (its workers alone 200).
  const std::string text = kHalfCoreDb;
  const auto r = run_lint(text);
  const auto& db = *r.predictions.find("db");
  EXPECT_DOUBLE_EQ(db.offered_rps, 60);
  EXPECT_NEAR(db.capacity_rps, 50, 1e-9);
  EXPECT_TRUE(db.cpu_bound);
  EXPECT_NEAR(db.utilisation, 1.2, 1e-9);
  EXPECT_FALSE(db.mean_s) << "no steady state to predict";
  auto found = of(r, "capacity");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  EXPECT_EQ(found[0]->severity, Severity::kCritical);
  EXPECT_NEAR(found[0]->figure("utilisation"), 1.2, 1e-9);
  EXPECT_EQ(found[0]->loc.line, line_of(text, "service = ["));
  EXPECT_EQ(found[0]->loc.col, col_of(text, "{ port = 5432")) << "the service's inline table";
  EXPECT_NE(found[0]->message.find("120%"), std::string::npos) << found[0]->message;
  EXPECT_NE(found[0]->fix.find("cpu of node db >= 0.76"), std::string::npos) << found[0]->fix;
  expect_located(r);

  // 45 req/s: 90%, a warning with the Erlang C figures.
  std::string warm = text;
  warm.replace(warm.find("rate = 60"), 9, "rate = 45");
  const auto w = run_lint(warm);
  found = of(w, "capacity");
  ASSERT_EQ(found.size(), 1u) << dump(w);
  EXPECT_EQ(found[0]->severity, Severity::kWarning);
  EXPECT_NEAR(found[0]->figure("utilisation"), 0.9, 1e-9);
  EXPECT_NEAR(found[0]->figure("busy_workers"), 0.45, 1e-9) << "Little's law: 45 req/s x 10 ms";
}

TEST(Lint, ErlangCPredictionOfAService) {
  // The M/M/4 of the scenario tests: exponential 20 ms of wall-clock wait, 4
  // workers, 140 req/s Poisson: 70%, no finding; the prediction is Erlang C.
  const auto r = run_lint(R"T(
[[node]]
name = "svc"
service = [{ port = 8080, workers = 4, queue = 10000, wait = "exp(20ms)" }]
[[node]]
name = "client"
load = { target = "svc:8080", rate = 140 }
[[link]]
between = ["client", "svc"]
)T");
  EXPECT_TRUE(r.findings.empty()) << dump(r);
  const auto& s = *r.predictions.find("svc");
  EXPECT_DOUBLE_EQ(s.offered_rps, 140);
  EXPECT_NEAR(s.hold_s, 0.020, 1e-12);
  EXPECT_NEAR(s.capacity_rps, 200, 1e-9);
  EXPECT_NEAR(s.utilisation, 0.7, 1e-12);
  ASSERT_TRUE(s.mean_s && s.p99_s);
  EXPECT_NEAR(*s.mean_s, textbook_mean(140, 50, 4), 1e-12);
  EXPECT_NEAR(*s.p99_s, 0.10985, 1e-4);
  // summary.json's figures.
  const auto j = predictions_json(r.predictions);
  EXPECT_NEAR(j["services"]["svc"]["mean_s"].get<double>(), 0.027144, 1e-6);
  EXPECT_NEAR(j["loads"]["client"]["vulnerable_above_rps"].get<double>(), 200, 1e-6) << "no retries: its capacity";
}

TEST(Lint, ErlangCOfACpuBoundServiceTakesTheCpuAsItsServer) {
  // 4 workers of 2 ms of CPU at 150 req/s, on `cpu` cores, with `wait` besides.
  auto svc = [](const std::string& cpu, const std::string& wait) {
    return run_lint(R"T(
[[node]]
name = "svc"
cpu = )T" + cpu + R"T(
service = [{ port = 8080, workers = 4, queue = 10000, work = "exp(2ms)")T" + wait + R"T( }]
[[node]]
name = "client"
load = { target = "svc:8080", rate = 150 }
[[link]]
between = ["client", "svc"]
)T");
  };
  // On half a core the workers could serve 2000 req/s, the CPU 250: the CPU
  // is the one server (M/M/1 at 250/s: a mean of 1 / (250 - 150) = 10 ms),
  // not four workers at 500/s each (2 ms and change). A wait besides the CPU
  // is added after it.
  for (const std::string wait : {"", ", wait = \"2ms\""}) {
    const auto r = svc("0.5", wait);
    const auto& s = *r.predictions.find("svc");
    const double beside = wait.empty() ? 0 : 0.002;
    EXPECT_TRUE(s.cpu_bound) << wait;
    EXPECT_NEAR(s.capacity_rps, 250, 1e-9) << wait;
    EXPECT_EQ(s.servers, 1u) << wait;
    ASSERT_TRUE(s.mean_s && s.p99_s) << wait;
    EXPECT_NEAR(*s.mean_s, textbook_mean(150, 250, 1) + beside, 1e-12) << wait;
    EXPECT_NEAR(*s.mean_s, 0.010 + beside, 1e-12) << wait;
    // M/M/1's response is exponential at rate mu - lambda: p99 = ln(100) / 100.
    EXPECT_NEAR(*s.p99_s, std::log(100.0) / 100 + beside, 1e-6) << wait;
  }
  // On 6 cores it is bound by its workers (4 x 500/s): M/M/4 again.
  const auto r = svc("6", "");
  const auto& s = *r.predictions.find("svc");
  EXPECT_FALSE(s.cpu_bound);
  EXPECT_EQ(s.servers, 4u);
  EXPECT_NEAR(*s.mean_s, textbook_mean(150, 500, 4), 1e-12);
}

TEST(Lint, CallsAddTheirRoundTripAndTheCalleesResponse) {
  // api holds its worker for 1 ms of wait plus a call to db across a 5 ms
  // link (10 ms round trip) and db's own 2 ms: 13 ms; db is idle enough that
  // its queue adds nothing measurable.
  const auto r = run_lint(R"T(
[[node]]
name = "db"
service = [{ port = 5432, workers = 100, wait = "2ms" }]
[[node]]
name = "api"
service = [{ port = 80, wait = "1ms", calls = [{ to = "db:5432", probability = "50%" }] }]
[[node]]
name = "client"
load = { target = "api:80", rate = 10 }
[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "db"]
delay = "5ms"
)T");
  const auto& db = *r.predictions.find("db");
  const auto& api = *r.predictions.find("api");
  EXPECT_DOUBLE_EQ(db.offered_rps, 5) << "half of api's requests call db";
  EXPECT_NEAR(api.hold_s, 0.001 + 0.5 * (0.010 + *db.mean_s), 1e-9);
  EXPECT_NEAR(*db.mean_s, 0.002, 1e-9);
}

TEST(Lint, TimeoutBudgetOfInnerRetries) {
  // The client gives up on api after 2 s; api's call to db may take
  // 4 x 1 s + 3 x 100 ms = 4.3 s: only the first attempt fits.
  const std::string text = R"T(
[[node]]
name = "db"
service = [{ port = 5432 }]
[[node]]
name = "api"
service = [{ port = 80, calls = [
  { to = "db:5432", timeout = "1s", retries = 3, backoff = "100ms" },
] }]
[[node]]
name = "client"
load = { target = "api:80", rate = 10, timeout = "2s" }
[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "db"]
)T";
  const auto r = run_lint(text);
  const auto found = of(r, "timeout-budget");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  const auto& f = *found[0];
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_NEAR(f.figure("worst_case_s"), 4.3, 1e-9);
  EXPECT_NEAR(f.figure("caller_timeout_s"), 2, 1e-9);
  EXPECT_NEAR(f.figure("budget_s"), 2, 1e-9);
  EXPECT_EQ(f.figure("attempts"), 4);
  EXPECT_EQ(f.figure("attempts_in_time"), 1);
  EXPECT_EQ(f.loc.line, line_of(text, "{ to = \"db:5432\""));
  EXPECT_EQ(f.loc.col, col_of(text, "{ to = \"db:5432\"")) << "the call's inline table";
  EXPECT_NE(f.message.find("attempts 2 to 4 can never finish"), std::string::npos) << f.message;
  EXPECT_NE(f.fix.find("timeout <= 425 ms"), std::string::npos) << f.fix;
  EXPECT_NE(f.fix.find("retries <= 0"), std::string::npos) << f.fix;
  expect_located(r);

  // A 1 s link to api: its round trip takes all of the client's 2 s.
  std::string far = text;
  const std::string link = "between = [\"client\", \"api\"]";
  far.replace(far.find(link), link.size(), link + "\ndelay = \"1s\"");
  const auto fr = run_lint(far);
  const auto late = of(fr, "timeout-budget");
  ASSERT_EQ(late.size(), 1u) << dump(fr);
  EXPECT_NEAR(late[0]->figure("budget_s"), 0, 1e-9);
  EXPECT_EQ(late[0]->figure("attempts_in_time"), 0);
  EXPECT_NE(late[0]->message.find("nothing left for this call: the round trip and the work before it take 2 s"),
            std::string::npos)
      << late[0]->message;

  // A caller that waits 5 s leaves room for every attempt: no finding.
  std::string patient = text;
  patient.replace(patient.find("timeout = \"2s\""), 14, "timeout = \"5s\"");
  EXPECT_TRUE(none_of(run_lint(patient), "timeout-budget"));
}

TEST(Lint, RetryAmplificationAcrossTiers) {
  // The scenario tests' chain: every tier retries 3 times at once and t3
  // always fails: 4 x 4 x 4 = 64 attempts reach t3 per organic request, both
  // in the worst case and in the healthy flow (t3's injected errors).
  std::string text = R"T(
[[node]]
name = "t3"
service = [{ port = 8080, error_rate = "100%" }]
[[node]]
name = "t2"
service = [{ port = 8080, calls = [{ to = "t3:8080", retries = 3, backoff = "none", timeout = "5s" POLICY }] }]
[[node]]
name = "t1"
service = [{ port = 8080, calls = [{ to = "t2:8080", retries = 3, backoff = "none", timeout = "5s" POLICY }] }]
[[node]]
name = "client"
load = { target = "t1:8080", rate = 40, retries = 3, backoff = "none", timeout = "20s" POLICY }
[[link]]
between = ["client", "t1"]
[[link]]
between = ["t1", "t2"]
[[link]]
between = ["t2", "t3"]
)T";
  auto with = [&](const std::string& policy) {
    std::string t = text;
    for (size_t at; (at = t.find("POLICY")) != std::string::npos;) t.replace(at, 6, policy);
    return t;
  };
  const auto plain = with("");
  const auto r = run_lint(plain);
  const auto& t3 = *r.predictions.find("t3");
  EXPECT_DOUBLE_EQ(t3.worst_attempts, 64);
  EXPECT_DOUBLE_EQ(t3.capped_attempts, 64);
  EXPECT_DOUBLE_EQ(r.predictions.find("t2")->worst_attempts, 16);
  EXPECT_NEAR(t3.offered_rps, 64 * 40, 1e-9) << "t3 fails every request: every retry is made";
  EXPECT_EQ(t3.worst_path, (std::vector<std::string>{"load:client", "t1", "t2", "t3"}));
  const auto found = of(r, "amplification");
  ASSERT_EQ(found.size(), 1u) << "one finding for the innermost retrying call\n" << dump(r);
  EXPECT_EQ(found[0]->figure("worst_attempts"), 64);
  EXPECT_EQ(found[0]->figure("tiers"), 3);
  EXPECT_EQ(found[0]->loc.line, line_of(plain, "name = \"t2\"") + 1) << "t2's call to t3";
  EXPECT_EQ(found[0]->loc.col, col_of(plain, "{ to = \"t3:8080\"")) << "the call's inline table";
  EXPECT_NE(found[0]->message.find("load:client -> t1 -> t2 -> t3: 4 x 4 x 4; per tier: t1 4, t2 16, t3 64"),
            std::string::npos)
      << found[0]->message;
  expect_located(r);

  // A 20% budget (no floor) on every hop caps each at 1.2 attempts per call.
  const auto b = run_lint(with(", budget = \"20%\", budget_min = 0"));
  EXPECT_DOUBLE_EQ(b.predictions.find("t3")->worst_attempts, 64);
  EXPECT_NEAR(b.predictions.find("t3")->capped_attempts, 1.2 * 1.2 * 1.2, 1e-9);
  EXPECT_TRUE(of(b, "amplification").empty()) << "every tier is capped\n" << dump(b);

  // A throttle on every hop: once its tokens run out under sustained
  // failure it allows no retry, so each hop caps at 1 attempt per call.
  const auto t = run_lint(with(", throttle = { max_tokens = 10, token_ratio = 0.1 }"));
  EXPECT_DOUBLE_EQ(t.predictions.find("t3")->worst_attempts, 64);
  EXPECT_DOUBLE_EQ(t.predictions.find("t3")->capped_attempts, 1);
  EXPECT_TRUE(of(t, "amplification").empty()) << "every tier is capped\n" << dump(t);
  // One tier uncapped among capped ones: still a chain that multiplies.
  std::string one = with("");
  one.replace(one.find("timeout = \"20s\" "), 15, "timeout = \"20s\", budget = \"20%\", budget_min = 0 ");
  const auto o = run_lint(one);
  EXPECT_NEAR(o.predictions.find("t3")->capped_attempts, 1.2 * 4 * 4, 1e-9);
  const auto part = of(o, "amplification");
  ASSERT_EQ(part.size(), 1u) << dump(o);
  EXPECT_NEAR(part[0]->figure("capped_attempts"), 19.2, 1e-9) << dump(o);

  // [expect]'s bound below the capped worst case is a warning at [expect].
  const auto e = run_lint(plain + "\n[expect]\nmax_cumulative_amplification = 10\n");
  bool at_expect = false;
  for (const auto* f : of(e, "amplification"))
    if (f->figure("bound") == 10) at_expect = f->loc.line == line_of(plain + "\n[expect]\n", "[expect]");
  EXPECT_TRUE(at_expect) << dump(e);
}

TEST(Lint, MetastabilityTheHotOS25Condition) {
  // One worker, 5 ms of work, the client's 250 ms timeout and 5 immediate
  // retries, a 3x spike: a queue of 150 holds 750 ms of work, three times
  // what the client waits. The safe bound is 250 ms x 1 / 5 ms = 50; with
  // every attempt failing, each organic request brings 6 attempts, so above
  // 200 / 6 = 33.3 req/s it cannot drain, and the spike reaches 180.
  std::string text = R"T(
[[node]]
name = "svc"
service = [{ port = 8080, workers = 1, queue = 150, work = "5ms", drop_abandoned = false }]
[[node]]
name = "client"
load = { target = "svc:8080", rate = 60, timeout = "250ms", retries = 5, backoff = "none", schedule = [
  { at = "20s", spike = "5s", rate = 180 },
] }
[[link]]
between = ["client", "svc"]
)T";
  const auto r = run_lint(text);
  auto found = of(r, "metastability");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  const auto& f = *found[0];
  EXPECT_EQ(f.severity, Severity::kCritical) << "the spike passes the vulnerable load";
  EXPECT_NEAR(f.figure("queue_wait_s"), 0.75, 1e-9);
  EXPECT_NEAR(f.figure("caller_timeout_s"), 0.25, 1e-9);
  EXPECT_EQ(f.figure("safe_queue"), 50);
  EXPECT_EQ(f.figure("attempts"), 6);
  EXPECT_NEAR(f.figure("vulnerable_above_rps"), 200.0 / 6, 1e-9);
  EXPECT_EQ(f.figure("peak_rps"), 180);
  EXPECT_EQ(f.loc.line, line_of(text, "service = ["));
  EXPECT_EQ(f.loc.col, col_of(text, "{ port = 8080")) << "the service's inline table";
  EXPECT_NE(f.fix.find("queue <= 50"), std::string::npos) << f.fix;
  EXPECT_NE(f.message.find("baseline rate (60 req/s) is already above it"), std::string::npos) << f.message;
  {
    // At 20 req/s only the spike passes the vulnerable load.
    std::string calm = text;
    calm.replace(calm.find("rate = 60"), 9, "rate = 20");
    const auto calm_result = run_lint(calm);
    const auto c = of(calm_result, "metastability");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0]->severity, Severity::kCritical);
    EXPECT_NE(c[0]->message.find("the load reaches 180 req/s"), std::string::npos) << c[0]->message;
  }
  const auto& lp = r.predictions.loads.at(0);
  ASSERT_TRUE(lp.vulnerable_above_rps);
  EXPECT_NEAR(*lp.vulnerable_above_rps, 200.0 / 6, 1e-9);
  EXPECT_EQ(lp.bottleneck, "svc");
  expect_located(r);

  // Below the bound (35 x 5 ms = 175 ms), dropping abandoned work, or a
  // queue delay bound within the timeout: sound.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"queue = 150", "queue = 35"},
           {"drop_abandoned = false", "drop_abandoned = true"},
           {"drop_abandoned = false", "drop_abandoned = false, max_queue_delay = \"200ms\""}}) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    EXPECT_TRUE(none_of(run_lint(t), "metastability")) << to;
  }
}

TEST(Lint, HostCpuAMillionRequestsOnTwoCores) {
  const std::string text = R"T(
[[node]]
name = "svc"
service = [{ port = 8080 }]
[[node]]
name = "client"
load = { target = "svc:8080", rate = 1000000 }
[[link]]
between = ["client", "svc"]
)T";
  const auto r = run_lint(text, 2);
  const auto found = of(r, "host-cpu");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  EXPECT_EQ(found[0]->severity, Severity::kCritical);
  EXPECT_NEAR(found[0]->figure("cores"), 1e6 * (kClientOverheadS + kServeOverheadS), 1e-6);
  EXPECT_EQ(found[0]->figure("host_cpus"), 2);
  EXPECT_EQ(found[0]->loc.line, line_of(text, "load = {"));
  EXPECT_EQ(found[0]->loc.col, col_of(text, "{ target")) << "the load's inline table";
  EXPECT_TRUE(none_of(run_lint(text, 0), "host-cpu")) << "no host given: nothing to judge against";
  // 90% of the two cores: a warning; 70%: nothing.
  for (const auto& [share, sev] : std::vector<std::pair<double, std::optional<Severity>>>{
           {0.9, Severity::kWarning}, {0.7, std::nullopt}}) {
    std::string t = text;
    const long rate = std::lround(share * 2 / (kClientOverheadS + kServeOverheadS));
    t.replace(t.find("rate = 1000000"), 14, "rate = " + std::to_string(rate));
    const auto w = run_lint(t, 2);
    const auto f = of(w, "host-cpu");
    ASSERT_EQ(f.size(), sev ? 1u : 0u) << share << "\n" << dump(w);
    if (sev) {
      EXPECT_EQ(f[0]->severity, *sev);
      EXPECT_NEAR(f[0]->figure("cores"), 2 * share, 1e-3);
    }
  }
}

TEST(Lint, MemoryAFullBacklogAgainstTheNodesLimit) {
  // The memory-pressure lesson's api: (32 + 2000) x 2 MiB against 128 MiB.
  const std::string text = R"T(
[[node]]
name = "api"
memory = "128MiB"
service = [{ port = 8080, workers = 32, queue = 2000, request_memory = "2MiB" }]
[[node]]
name = "client"
load = { target = "api:8080", rate = 100 }
[[link]]
between = ["client", "api"]
)T";
  const auto r = run_lint(text);
  const auto found = of(r, "memory");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  EXPECT_EQ(found[0]->severity, Severity::kWarning);
  EXPECT_EQ(found[0]->figure("held_bytes"), 2032.0 * 2 * 1024 * 1024);
  EXPECT_EQ(found[0]->figure("limit_bytes"), 128.0 * 1024 * 1024);
  EXPECT_EQ(found[0]->loc.line, line_of(text, "service = [{"));
  EXPECT_NE(found[0]->fix.find("queue <= 32 on api"), std::string::npos) << found[0]->fix;  // 64 - 32 workers
  expect_located(r);
  // A queue that fits, no limit, or no request_memory: nothing to say.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"queue = 2000", "queue = 16"}, {"memory = \"128MiB\"\n", ""}, {"request_memory = \"2MiB\"", "work = 0"}}) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    EXPECT_TRUE(none_of(run_lint(t), "memory")) << to;
  }
}

TEST(Lint, SlipsOfIssue15) {
  const std::string text = R"T(
[experiment]
duration = "60s"
horizon = "30s"

[[node]]
name = "api"
service = [{ port = 80 }]
[[node]]
name = "db"
service = [{ port = 5432 }]
[[node]]
name = "spare"

[[link]]
between = ["api", "db"]
delay = "5m"
jitter = "1s"
[[link]]
between = ["api", "spare"]

[[fault]]
at = "20s"
for = "5s"
target = "node:spare"
action = "pause"

[[fault]]
at = "30s"
for = "5s"
target = "link:api-db"
delay = "2s"

[expect]
recovers_within = "90s"
collapse = false
[[expect.check]]
name = "fast"
metric = "p99"
service = "db"
threshold = 0.1
)T";
  const auto r = run_lint(text);
  const auto slips = of(r, "slip");
  auto find = [&](const std::string& needle) -> const Finding* {
    for (const auto* f : slips)
      if (f->message.find(needle) != std::string::npos) return f;
    return nullptr;
  };
  const auto* delay = find("one-way delay of 5m");
  ASSERT_TRUE(delay) << dump(r);
  EXPECT_EQ(delay->severity, Severity::kCritical) << "10 min round trips in a 60 s run";
  EXPECT_EQ(delay->figure("delay_s"), 300);
  EXPECT_NE(delay->fix.find("did you mean '5ms'"), std::string::npos) << delay->fix;
  EXPECT_EQ(delay->loc.line, line_of(text, "between = [\"api\", \"db\"]") - 1);
  EXPECT_EQ(delay->loc.col, 1) << "the [[link]] table";
  const auto* jitter = find("one-way jitter of 1s");
  ASSERT_TRUE(jitter) << dump(r);
  EXPECT_EQ(jitter->figure("jitter_s"), 1);
  EXPECT_EQ(jitter->severity, Severity::kWarning) << "2 s round trips in a 60 s run: a risk";
  EXPECT_EQ(jitter->loc.line, delay->loc.line);
  const auto* fault_delay = find("fault 1 on ");
  ASSERT_TRUE(fault_delay) << dump(r);
  EXPECT_NE(fault_delay->message.find("a one-way delay of 2s"), std::string::npos) << fault_delay->message;
  EXPECT_EQ(fault_delay->figure("delay_s"), 2);
  EXPECT_EQ(fault_delay->loc.line, line_of(text, "at = \"30s\"") - 1);
  const auto* horizon = find("recovers_within = 90s is beyond the horizon (30s)");
  ASSERT_TRUE(horizon) << dump(r);
  EXPECT_EQ(horizon->loc.line, line_of(text, "[expect]"));
  EXPECT_EQ(horizon->loc.col, 1);
  const auto* no_load = find("no node has a load");
  ASSERT_TRUE(no_load) << dump(r);
  EXPECT_EQ(no_load->loc.line, line_of(text, "[expect]"));
  EXPECT_EQ(no_load->loc.col, 1);
  const auto* check = find("check 'fast' (p99) cannot be measured");
  ASSERT_TRUE(check) << dump(r);
  EXPECT_EQ(check->loc.line, line_of(text, "[[expect.check]]"));
  EXPECT_EQ(check->loc.col, 1);
  const auto* idle = find("nothing runs in spare");
  ASSERT_TRUE(idle) << dump(r);
  EXPECT_EQ(idle->loc.line, line_of(text, "[[fault]]"));
  EXPECT_EQ(idle->loc.col, 1);
  expect_located(r);
}

TEST(Lint, ASoundConfigurationHasNoFinding) {
  // Modest load, one tier retrying under a budget within the caller's
  // timeout, abandoned work dropped, an SLO the prediction meets, a fault on
  // a node that serves, recovery expected within the horizon.
  const std::string text = R"T(
[experiment]
duration = "40s"
horizon = "20s"
[[node]]
name = "db"
cpu = 1
service = [{ port = 5432, workers = 8, work = "exp(1ms)", wait = "exp(2ms)", slo = "50ms" }]
[[node]]
name = "api"
service = [{ port = 80, workers = 16, work = "exp(0.5ms)", calls = [
  { to = "db:5432", timeout = "100ms", retries = 2, backoff = "10ms exp jitter", budget = "20%" },
] }]
[[node]]
name = "client"
load = { target = "api:80", rate = 100, timeout = "1s" }
[[link]]
between = ["client", "api"]
delay = "1ms"
[[link]]
between = ["api", "db"]
delay = "1ms"
[[fault]]
at = "20s"
for = "5s"
target = "node:db"
cpu = 0.1
[expect]
recovers_within = "10s"
collapse = false
max_cumulative_amplification = 3
[[expect.check]]
name = "api answers"
metric = "goodput"
service = "api"
op = ">="
threshold = 90
)T";
  const auto r = run_lint(text, 2);
  EXPECT_TRUE(r.findings.empty()) << dump(r);
  const auto& db = *r.predictions.find("db");
  EXPECT_DOUBLE_EQ(db.offered_rps, 100);
  // Its core, not its 8 workers (8 / 3 ms = 2667 req/s), bounds it: 1 / 1 ms.
  EXPECT_TRUE(db.cpu_bound);
  EXPECT_NEAR(db.capacity_rps, 1000, 1e-6);
  EXPECT_NEAR(db.utilisation, 100 * 0.001 / 1, 1e-9);
}

TEST(Lint, FindingsAsJson) {
  const auto r = run_lint(kHalfCoreDb);
  const auto j = findings_json(r.findings);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["file"], kFile);
  EXPECT_EQ(j[0]["line"], 5);
  EXPECT_EQ(j[0]["check"], "capacity");
  EXPECT_EQ(j[0]["severity"], "critical");
  EXPECT_NEAR(j[0]["figures"]["utilisation"].get<double>(), 1.2, 1e-9);
  EXPECT_EQ(j[0]["services"], nlohmann::json::array({"db"}));
}

TEST(CpuEstimate, FollowsCallsAndProbabilitiesAndCapsAtTheCgroup) {
  model::Topology t;
  model::Node db{}, api{}, client{};
  db.name = "db"_node;
  db.cpu_millicores = 500;
  model::Service dbs;
  dbs.name = "db";
  dbs.port = 5432;
  model::Endpoint e;
  e.work.mean_ns = 2'000'000;  // 2 ms
  dbs.endpoints = {e};
  db.services = {dbs};
  api.name = "api"_node;
  model::Service as;
  as.name = "api";
  as.port = 8080;
  model::Endpoint ae;
  model::Call c;
  c.to_node = "db";
  c.to_port = 5432;
  c.probability_ppm = 500'000;
  ae.calls = {c};
  as.endpoints = {ae};
  api.services = {as};
  client.name = "client"_node;
  model::Load l;
  l.target_node = "api";
  l.target_port = 8080;
  l.rate = 400;
  l.mix = {{"/", 1}};
  client.load = l;
  t.nodes = {db, api, client};
  const auto est = estimate_cpu(t, false);
  // db: 200 req/s x (2 ms + overhead) = 0.408 cores (under its 0.5 limit);
  // api: 400 x 40 us; the client 400 x 30 us.
  EXPECT_NEAR(est.cores, 200 * (0.002 + kServeOverheadS) + 400 * kServeOverheadS + 400 * kClientOverheadS, 1e-9);
  t.nodes[0].cpu_millicores = 100;
  EXPECT_NEAR(estimate_cpu(t, false).cores, 0.1 + 400 * kServeOverheadS + 400 * kClientOverheadS, 1e-9)
      << "a cgroup limit caps the node's use";
  EXPECT_GT(estimate_cpu(t, true).cores, estimate_cpu(t, false).cores) << "the link engine costs CPU too";

  // Faults are part of the plan: a load step to 800 req/s doubles api's and
  // the client's share; a CPU hog in db adds to it, within db's limit.
  t.nodes[0].cpu_millicores = 500;
  model::Fault step;
  step.target = model::FaultTarget::on_load("client"_node);
  step.rate = 800;
  model::Fault hog;
  hog.target = model::FaultTarget::on_node("db"_node);
  hog.action = model::Fault::Action::kCpuHog;
  hog.hog_millicores = 300;
  t.faults = {step};
  EXPECT_NEAR(estimate_cpu(t, false).cores, 0.5 + 800 * kServeOverheadS + 800 * kClientOverheadS, 1e-9)
      << "db: 400 req/s x 2.04 ms is over its 0.5 cores";
  t.faults = {hog};
  EXPECT_NEAR(estimate_cpu(t, false).cores, 0.5 + 400 * kServeOverheadS + 400 * kClientOverheadS, 1e-9)
      << "0.408 + 0.3 capped at db's 0.5";
  t.nodes[0].cpu_millicores = 0;
  auto small = hog;
  small.hog_millicores = 100;
  t.faults = {small, hog};  // one after the other: the larger one counts
  EXPECT_NEAR(estimate_cpu(t, false).cores,
              200 * (0.002 + kServeOverheadS) + 0.3 + 400 * kServeOverheadS + 400 * kClientOverheadS, 1e-9);
}


TEST(Lint, MetastabilityAQueueDrainsAtItsCpusRateNotItsWorkers) {
  // The cpu-cliff lesson: 4 workers of 2 ms share half a core. Per worker
  // the queue of 512 holds 512 x 2 ms / 4 = 256 ms, under the client's
  // 300 ms; but half a core serves 0.5 / 2 ms = 250 req/s, so a full queue
  // holds 512 / 250 = 2.05 s of work. Safe: 0.3 s x 250 = 75. Each organic
  // request brings 4 attempts: vulnerable above 62.5 req/s, and the
  // baseline's 150 is above it.
  const std::string text = R"T(
[[node]]
name = "client"
load = { target = "db:5432", rate = 150, timeout = "300ms", retries = 3, backoff = "none" }
[[node]]
name = "db"
cpu = 0.5
  [[node.service]]
  port = 5432
  workers = 4
  queue = 512
  work = "exp(2ms)"
  drop_abandoned = false
[[link]]
between = ["client", "db"]
)T";
  const auto r = run_lint(text);
  const auto* found = one_of(r, "metastability");
  ASSERT_TRUE(found);
  const auto& f = *found;
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_NEAR(f.figure("capacity_rps"), 250, 1e-9);
  EXPECT_NEAR(f.figure("queue_wait_s"), 512.0 / 250, 1e-9);
  EXPECT_NEAR(f.figure("caller_timeout_s"), 0.3, 1e-9);
  EXPECT_EQ(f.figure("safe_queue"), 75);
  EXPECT_EQ(f.figure("attempts"), 4);
  EXPECT_NEAR(f.figure("vulnerable_above_rps"), 62.5, 1e-9);
  EXPECT_NE(f.message.find("512 requests / 250 req/s (what its node's 0.5 cores serve at 2 ms of work each: its 4 "
                           "workers share them) = 2.05 s of work"),
            std::string::npos)
      << f.message;
  EXPECT_NE(f.fix.find("queue <= 75 (timeout x 250 req/s)"), std::string::npos) << f.fix;
  EXPECT_EQ(f.loc.line, line_of(text, "[[node.service]]"));
  EXPECT_EQ(f.loc.col, 3) << "the indented [[node.service]]";
  expect_located(r);
  // With the cores its workers need (4 x 1 / 2 ms = 2000 req/s either
  // way), the queue holds 256 ms: sound.
  std::string roomy = text;
  roomy.replace(roomy.find("cpu = 0.5"), 9, "cpu = 4");
  EXPECT_TRUE(none_of(run_lint(roomy), "metastability")) << dump(run_lint(roomy));
}

TEST(Lint, MetastabilityJudgesTheDeadlineTheClientPropagates) {
  // The latency-propagation lesson's chain: the client waits 500 ms, web
  // calls api with 1 s, api calls db with 2 s. Each attempt's deadline is
  // capped by its caller's (deadline propagation), so a request at db is
  // abandoned after 500 ms, not api's 2 s: db's queue of 2048 x 2 ms / 4 =
  // 1.02 s is twice that. Safe: 0.5 s x 4 / 2 ms = 1000.
  const std::string text = R"T(
[[node]]
name = "client"
load = { target = "web:8080", rate = 100, timeout = "500ms" }
[[node]]
name = "web"
service = [{ port = 8080, workers = 256, wait = "1ms", calls = [{ to = "api:8080", timeout = "1s" }] }]
[[node]]
name = "api"
service = [{ port = 8080, workers = 256, wait = "1ms", calls = [{ to = "db:5432", timeout = "2s" }] }]
[[node]]
name = "db"
service = [{ port = 5432, workers = 4, queue = 2048, wait = "2ms", drop_abandoned = false }]
[[link]]
between = ["client", "web"]
[[link]]
between = ["web", "api"]
[[link]]
between = ["api", "db"]
)T";
  const auto r = run_lint(text);
  const auto* found = one_of(r, "metastability");
  ASSERT_TRUE(found);
  const auto& f = *found;
  EXPECT_EQ(f.services, std::vector<std::string>{"db"});
  EXPECT_NEAR(f.figure("caller_timeout_s"), 0.5, 1e-9) << "the client's deadline, not api's 2 s";
  EXPECT_NEAR(f.figure("queue_wait_s"), 2048 * 0.002 / 4, 1e-9);
  EXPECT_EQ(f.figure("safe_queue"), 1000);
  EXPECT_NE(f.message.find("longer than load:client waits (timeout 500 ms, its deadline carried down by web's call, then api's call)"),
            std::string::npos)
      << f.message;
  EXPECT_EQ(f.loc.line, line_of(text, "service = [{ port = 5432"));
  EXPECT_EQ(f.loc.col, col_of(text, "{ port = 5432")) << "the service's inline table";
  expect_located(r);
  // api's own timeout shorter than the client's: api's call is the one that gives up first.
  std::string tight = text;
  tight.replace(tight.find("timeout = \"2s\""), 14, "timeout = \"300ms\"");
  const auto t = run_lint(tight);
  const auto* tf = one_of(t, "metastability");
  ASSERT_TRUE(tf);
  EXPECT_NEAR(tf->figure("caller_timeout_s"), 0.3, 1e-9);
  EXPECT_NE(tf->message.find("longer than api's call waits (timeout 300 ms)"), std::string::npos) << tf->message;
  // A client that waits 2 s: web's call, 1 s, is now the shortest deadline
  // db's requests carry, still under the 1.02 s queue.
  std::string patient = text;
  patient.replace(patient.find("timeout = \"500ms\""), 17, "timeout = \"2s\"");
  const auto p = run_lint(patient);
  const auto* pf = one_of(p, "metastability");
  ASSERT_TRUE(pf);
  EXPECT_NEAR(pf->figure("caller_timeout_s"), 1, 1e-9);
  EXPECT_NE(pf->message.find("longer than web's call waits (timeout 1 s, its deadline carried down by api's call)"),
            std::string::npos)
      << pf->message;
  // The safe queue the finding names (1000) fits the client's 500 ms.
  std::string safe = text;
  safe.replace(safe.find("queue = 2048"), 12, "queue = 1000");
  EXPECT_TRUE(none_of(run_lint(safe), "metastability")) << dump(run_lint(safe));
}

TEST(Lint, MetastabilityOfALifoQueueIsAWarningThatSaysSo) {
  // The HotOS'25 service with discipline = "lifo": the newest are served
  // first, so the loop of a queue that serves only abandoned work does not
  // hold the same way. The figures are the same, the finding a warning that
  // says why, where the FIFO one is critical.
  std::string text = R"T(
[[node]]
name = "svc"
service = [{ port = 8080, workers = 1, queue = 150, work = "5ms", drop_abandoned = false, discipline = "lifo" }]
[[node]]
name = "client"
load = { target = "svc:8080", rate = 60, timeout = "250ms", retries = 5, backoff = "none" }
[[link]]
between = ["client", "svc"]
)T";
  const auto r = run_lint(text);
  const auto* lifo = one_of(r, "metastability");
  ASSERT_TRUE(lifo);
  EXPECT_EQ(lifo->severity, Severity::kWarning);
  EXPECT_EQ(lifo->figure("safe_queue"), 50);
  EXPECT_NEAR(lifo->figure("vulnerable_above_rps"), 200.0 / 6, 1e-9);
  EXPECT_NE(lifo->message.find("its LIFO discipline serves the newest first"), std::string::npos) << lifo->message;
  EXPECT_EQ(lifo->message.find("while their retries keep it full"), std::string::npos) << lifo->message;
  std::string fifo = text;
  fifo.replace(fifo.find(", discipline = \"lifo\""), 21, "");
  const auto fr = run_lint(fifo);
  const auto* ff = one_of(fr, "metastability");
  ASSERT_TRUE(ff);
  EXPECT_EQ(ff->severity, Severity::kCritical);
  EXPECT_NE(ff->message.find("while their retries keep it full"), std::string::npos) << ff->message;
}
