// SPDX-License-Identifier: Apache-2.0
// The load generator against a scripted server on 127.0.0.1: the offered
// count is exact, live control changes the rate, latency counts from the
// intended send time, and the binary serves /metrics and its control, and
// exits 0 with a summary on SIGTERM. Loopback only; no root needed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>
#include <string>
#include <thread>

#include "tests/workloads/integration/scripted_server.hpp"
#include "workloads/loadgen/load_generator.hpp"
#include "workloads/spec/config.hpp"

namespace faultline::testing {
namespace {

using namespace std::chrono_literals;
using workloads::LoadConfig;
using workloads::loadgen::LoadGenerator;
constexpr int64_t kMs = 1'000'000;

LoadConfig config_to(uint16_t port, double rate, int64_t duration_ns) {
  LoadConfig c;
  c.node = "client";
  c.seed = 3;
  c.duration_ns = duration_ns;
  c.load.target_node = "127.0.0.1";
  c.load.target_port = port;
  c.load.mix = {spec::RequestKind{"/a", 1}};
  c.load.rate = rate;
  c.load.arrival = spec::Load::Arrival::kConstant;
  return c;
}

// Runs the generator to its end; returns its summary.
nlohmann::json run(boost::asio::io_context& io, LoadGenerator& gen,
                   std::chrono::steady_clock::duration limit = 20s) {
  bool done = false;
  gen.start([&] { done = true; });
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < end) io.run_for(10ms);
  EXPECT_TRUE(done);
  return gen.summary();
}

TEST(LoadgenLocal, ConstantRateOffersExactlyRateTimesDuration) {
  boost::asio::io_context io;
  ScriptedServer srv(io, [](size_t) { return Reply{200}; });
  prometheus::Registry reg;
  LoadGenerator gen(io.get_executor(), config_to(srv.port(), 1000, 1000 * kMs), reg);
  const auto s = run(io, gen);
  // Arrivals at 1, 2, ..., 999 ms; the 1000th falls on the end.
  EXPECT_EQ(s["offered"], 999);
  // Started before the end (a busy machine may delay the last few).
  EXPECT_GE(s["sent_in_window"].get<int>(), 990);
  EXPECT_EQ(s["goodput"], 999);
  EXPECT_EQ(s["failed"], 0);
  EXPECT_EQ(srv.count(), 999u);
  EXPECT_EQ(srv.seen().front().target, "/a");
  EXPECT_NEAR(s["achieved_rate"].get<double>(), 999, 10);
  EXPECT_GT(s["lag_us"]["max"].get<double>(), 0);
  EXPECT_LT(s["lag_us"]["p99"].get<double>(), 50'000);  // generous: the machine is shared
}

TEST(LoadgenLocal, LiveControlSetsTheRate) {
  boost::asio::io_context io;
  ScriptedServer srv(io, [](size_t) { return Reply{200}; });
  prometheus::Registry reg;
  LoadGenerator gen(io.get_executor(), config_to(srv.port(), 0, 1500 * kMs), reg);
  boost::asio::steady_timer t(io, 500ms);
  t.async_wait([&](auto) { gen.set_rate(1000); });
  const int64_t t0 = workloads::policy::SteadyClock::read();
  const auto s = run(io, gen);
  // Nothing in the first half second, then 1000/s for about one second.
  EXPECT_NEAR(s["offered"].get<double>(), 1000, 15);
  ASSERT_GT(srv.count(), 0u);
  EXPECT_GE(srv.seen().front().at_ns - t0, 495 * kMs);
  EXPECT_DOUBLE_EQ(gen.rate_now(), 1000);
}

TEST(LoadgenLocal, LatencyCountsFromTheIntendedSendTime) {
  // One connection to a server taking 20 ms: 50/s served against 100/s
  // offered, so requests queue in the client. A closed-loop meter would
  // report 20 ms; from the intended time the queue shows.
  boost::asio::io_context io;
  ScriptedServer srv(io, [](size_t) { return Reply{200, 20 * kMs}; });
  prometheus::Registry reg;
  auto cfg = config_to(srv.port(), 100, 500 * kMs);
  cfg.load.connections = 1;
  cfg.load.timeout_ns = 5000 * kMs;
  LoadGenerator gen(io.get_executor(), cfg, reg);
  const auto s = run(io, gen);
  EXPECT_EQ(s["offered"], 49);
  EXPECT_EQ(s["ok"], 49);
  EXPECT_EQ(srv.max_concurrent(), 1u);
  // The 49th was intended at 490 ms and answered near 980 ms.
  EXPECT_GT(s["latency_us"]["max"].get<double>(), 400'000);
  EXPECT_LT(s["latency_us"]["max"].get<double>(), 800'000);
}

TEST(LoadgenLocal, TimeoutsAndRetriesGoThroughTheDownstream) {
  boost::asio::io_context io;
  ScriptedServer srv(io, [](size_t) { return Reply{503}; });
  prometheus::Registry reg;
  auto cfg = config_to(srv.port(), 200, 250 * kMs);
  cfg.load.retries = 2;
  cfg.load.backoff.kind = spec::Backoff::Kind::kNone;
  cfg.load.budget_min_per_s = 1000;
  LoadGenerator gen(io.get_executor(), cfg, reg);
  const auto s = run(io, gen);
  EXPECT_EQ(s["offered"], 49);
  EXPECT_EQ(s["failed"], 49);
  EXPECT_EQ(s["goodput"], 0);
  EXPECT_EQ(s["attempts"], 49 * 3);
  EXPECT_EQ(srv.count(), 49u * 3);
}

// The value of a counter family in the registry (0 when absent).
double counter_value(prometheus::Registry& reg, const std::string& name) {
  double v = 0;
  for (const auto& fam : reg.Collect())
    if (fam.name == name)
      for (const auto& m : fam.metric) v += m.counter.value;
  return v;
}

TEST(LoadgenLocal, AttemptsAreCountedWhenSentNotWhenTheRequestEnds) {
  // A target that answers after 1 s with a 300 ms timeout and one retry:
  // while the first requests are still waiting nothing has ended, yet the
  // collector must see the attempts (and the retries as they go out), or a
  // stalled target looks like one the client stopped calling.
  boost::asio::io_context io;
  ScriptedServer srv(io, [](size_t) { return Reply{200, 1000 * kMs}; });
  prometheus::Registry reg;
  auto cfg = config_to(srv.port(), 100, 200 * kMs);
  cfg.load.timeout_ns = 300 * kMs;
  cfg.load.retries = 1;
  cfg.load.backoff.kind = spec::Backoff::Kind::kNone;
  cfg.load.budget_min_per_s = 1000;
  LoadGenerator gen(io.get_executor(), cfg, reg);
  bool done = false;
  gen.start([&] { done = true; });
  io.run_for(250ms);  // 19 sent, the first timeout at 300 ms: none ended
  EXPECT_EQ(counter_value(reg, "faultline_load_offered_total"), 19);
  EXPECT_EQ(counter_value(reg, "faultline_load_attempts_total"), 19);
  EXPECT_EQ(counter_value(reg, "faultline_load_errors_total"), 0);
  io.run_for(150ms);  // the first few timed out and were retried at once
  const double mid = counter_value(reg, "faultline_load_attempts_total");
  EXPECT_GT(mid, 19);
  EXPECT_EQ(mid, counter_value(reg, "faultline_downstream_attempts_total"));
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (!done && std::chrono::steady_clock::now() < end) io.run_for(10ms);
  ASSERT_TRUE(done);
  const auto s = gen.summary();
  EXPECT_EQ(s["attempts"], 19 * 2);
  EXPECT_EQ(counter_value(reg, "faultline_load_attempts_total"), 19 * 2);
}

// --- the binary ---

uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// One HTTP request to 127.0.0.1:port; "" when nothing answers.
std::string http_call(uint16_t port, boost::beast::http::verb verb, const std::string& target) {
  namespace bhttp = boost::beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket sock(io);
  boost::system::error_code ec;
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return "";
  bhttp::request<bhttp::empty_body> req{verb, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  bhttp::write(sock, req, ec);
  boost::beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(sock, buf, res, ec);
  if (ec) return "";
  return std::to_string(res.result_int()) + " " + res.body();
}

TEST(LoadgenBinary, ServesMetricsAndControlAndExitsCleanlyOnSigterm) {
  boost::asio::io_context io;
  ScriptedServer srv(io, [](size_t) { return Reply{200}; });
  std::jthread server_thread([&](std::stop_token st) {
    while (!st.stop_requested()) io.run_for(20ms);
  });

  const auto dir = std::filesystem::temp_directory_path() / ("fl-loadgen-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto cfg = config_to(srv.port(), 200, 0);  // until SIGTERM
  cfg.load.metrics_port = free_port();
  const std::string path = (dir / "load.json").string();
  ASSERT_TRUE(workloads::write_config(path, workloads::to_json(cfg)).ok());

  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const std::string bin = std::string(FL_BINARY_DIR) + "/workloads/loadgen/faultline-loadgen";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(bin.c_str(), bin.c_str(), "--config", path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);

  std::string metrics;
  for (int i = 0; i < 100 && metrics.empty(); ++i) {
    std::this_thread::sleep_for(50ms);
    metrics = http_call(cfg.load.metrics_port, boost::beast::http::verb::get, "/metrics");
  }
  EXPECT_NE(metrics.find("faultline_load_offered_total"), std::string::npos);
  EXPECT_NE(metrics.find("faultline_downstream_attempts_total"), std::string::npos);
  EXPECT_EQ(http_call(cfg.load.metrics_port, boost::beast::http::verb::get, "/control/rate").substr(0, 7), "200 200");
  EXPECT_EQ(http_call(cfg.load.metrics_port, boost::beast::http::verb::post, "/control/rate?value=500").substr(0, 7),
            "200 500");
  EXPECT_EQ(http_call(cfg.load.metrics_port, boost::beast::http::verb::post, "/control/rate?value=-3").substr(0, 3),
            "400");
  std::this_thread::sleep_for(300ms);
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  close(out[0]);
  const auto summary = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(summary.is_discarded()) << text;
  EXPECT_GT(summary["offered"].get<int>(), 50);
  EXPECT_EQ(summary["failed"], 0);
  server_thread.request_stop();
  server_thread.join();
  // A request in flight at SIGTERM may not have reached the server.
  EXPECT_NEAR(static_cast<double>(srv.count()), summary["offered"].get<double>(), 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace faultline::testing
