// SPDX-License-Identifier: Apache-2.0
// faultline-service as a process on 127.0.0.1 (no namespaces, no root):
// routing, injected errors at their rate and reproducible from the seed,
// shedding by a full queue, by queueing delay and by abandoned deadlines,
// CPU work that costs the CPU time configured, downstream failures mapped to
// 502/504, fallbacks, deadline propagation, exit codes. Loopback only.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/process/child.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/system.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace bp = boost::process;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string service_binary() { return std::string(FL_BINARY_DIR) + "/workloads/service/faultline-service"; }

json constant(int64_t ns) { return {{"kind", "constant"}, {"mean_ns", ns}}; }

// A service configuration on an ephemeral port (the process prints it).
json service_config(json endpoints, uint32_t workers = 4, uint32_t queue = 16, uint64_t seed = 1) {
  return {{"node", "svc"},
          {"seed", seed},
          {"service",
           {{"name", "svc"}, {"port", 0}, {"workers", workers}, {"queue", queue}, {"endpoints", std::move(endpoints)}}}};
}

// A temporary folder per test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("fl-svc-" + std::string(info->name()) + "-" + std::to_string(::getpid()) + "-" + std::to_string(n_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const json& j) const {
    const auto p = path_ / name;
    std::ofstream(p) << j.dump(2);
    return p.string();
  }

 private:
  std::filesystem::path path_;
  static inline int n_ = 0;
};

// faultline-service running on 127.0.0.1; stopped with SIGTERM at the end.
class ServiceProcess {
 public:
  explicit ServiceProcess(const std::string& config_path)
      : child_(service_binary(), "--config", config_path, "--listen", "127.0.0.1", bp::std_out > out_) {
    std::string line;
    // "faultline-service NAME listening on 127.0.0.1:PORT"
    if (std::getline(out_, line)) {
      const auto colon = line.rfind(':');
      if (line.find("listening on") != std::string::npos && colon != std::string::npos)
        port_ = static_cast<uint16_t>(std::stoi(line.substr(colon + 1)));
    }
  }
  ~ServiceProcess() {
    if (child_.running()) stop();
  }
  uint16_t port() const { return port_; }
  pid_t pid() const { return child_.id(); }
  // SIGTERM; the exit code (expected 0).
  int stop() {
    ::kill(child_.id(), SIGTERM);
    child_.wait();
    return child_.exit_code();
  }

 private:
  bp::ipstream out_;
  bp::child child_;
  uint16_t port_ = 0;
};

struct Reply {
  unsigned status = 0;  // 0: no answer (connection failed or timed out)
  std::string body;
  double seconds = 0;
};

// One keep-alive connection to 127.0.0.1:port (Beast, blocking; a 10 s
// receive timeout so that a hung service fails the test instead of hanging it).
class Connection {
 public:
  explicit Connection(uint16_t port) : sock_(io_) {
    beast::error_code ec;
    sock_.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    timeval tv{10, 0};
    ::setsockopt(sock_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  Reply get(const std::string& target, const std::map<std::string, std::string>& headers = {}) {
    const auto t0 = Clock::now();
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    beast::error_code ec;
    bhttp::write(sock_, req, ec);
    if (ec) return {};
    bhttp::response<bhttp::string_body> res;
    bhttp::read(sock_, buf_, res, ec);
    if (ec) return {};
    return {res.result_int(), res.body(), std::chrono::duration<double>(Clock::now() - t0).count()};
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket sock_;
  beast::flat_buffer buf_;
};

Reply get(uint16_t port, const std::string& target, const std::map<std::string, std::string>& headers = {}) {
  return Connection(port).get(target, headers);
}

// The value of the series `name` whose labels include every one of `labels`
// in the /metrics text; -1 when there is none.
double metric(const std::string& text, const std::string& name, const std::map<std::string, std::string>& labels) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto brace = line.find('{');
    const auto space = line.rfind(' ');
    const std::string series = line.substr(0, brace == std::string::npos ? space : brace);
    if (series != name) continue;
    bool all = true;
    for (const auto& [k, v] : labels) all = all && line.find(k + "=\"" + v + "\"") != std::string::npos;
    if (all) return std::stod(line.substr(space + 1));
  }
  return -1;
}

double metric(uint16_t port, const std::string& name, const std::map<std::string, std::string>& labels) {
  return metric(get(port, "/metrics").body, name, labels);
}

// User + system CPU seconds of a process, from /proc (not from the
// service's own metrics: an independent witness).
double process_cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));  // after "pid (comm) "
  std::vector<std::string> fields{std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
  // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after comm.
  return (std::stod(fields.at(11)) + std::stod(fields.at(12))) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// n requests at once, one connection each.
std::vector<Reply> concurrent(uint16_t port, const std::string& target, int n,
                              const std::map<std::string, std::string>& headers = {}) {
  std::vector<Reply> replies(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) threads.emplace_back([&, i] { replies[i] = get(port, target, headers); });
  for (auto& t : threads) t.join();
  return replies;
}

int count_status(const std::vector<Reply>& rs, unsigned status) {
  int n = 0;
  for (const auto& r : rs) n += r.status == status;
  return n;
}

}  // namespace

TEST(ServiceLocal, EndpointsAnswerAndUnknownPathsGet404) {
  TempDir dir;
  ServiceProcess svc(dir.write("svc.json", service_config(json::array({{{"path", "/"}, {"response_bytes", 100}},
                                                                       {{"path", "/b"}, {"response_bytes", 3}}}))));
  ASSERT_NE(svc.port(), 0) << "the service did not report its port";
  Connection c(svc.port());
  const Reply root = c.get("/");
  EXPECT_EQ(root.status, 200u);
  EXPECT_EQ(root.body.size(), 100u);
  const Reply b = c.get("/b?query=ignored");  // routed by path, on the same keep-alive connection
  EXPECT_EQ(b.status, 200u);
  EXPECT_EQ(b.body.size(), 3u);
  EXPECT_EQ(c.get("/nope").status, 404u);
  EXPECT_EQ(c.get("/b/").status, 404u);

  const std::string m = c.get("/metrics").body;
  EXPECT_EQ(metric(m, "faultline_requests_total", {{"service", "svc"}, {"endpoint", "/"}, {"code", "200"}}), 1);
  EXPECT_EQ(metric(m, "faultline_requests_total", {{"endpoint", "/b"}, {"code", "200"}}), 1);
  EXPECT_EQ(metric(m, "faultline_requests_total", {{"endpoint", "unmatched"}, {"code", "404"}}), 2);
  EXPECT_EQ(metric(m, "faultline_request_duration_seconds_count", {{"endpoint", "/"}}), 1);
  EXPECT_EQ(metric(m, "faultline_workers", {{"service", "svc"}}), 4);
  EXPECT_GT(metric(m, "process_cpu_seconds_total", {}), 0);
  EXPECT_EQ(svc.stop(), 0);
}

TEST(ServiceLocal, InjectedErrorsFollowTheRateAndTheSeed) {
  TempDir dir;
  constexpr int kRequests = 1000;
  auto statuses = [&](uint64_t seed) {
    ServiceProcess svc(dir.write("svc" + std::to_string(seed) + ".json",
                                 service_config(json::array({{{"path", "/"}, {"error_ppm", 200000}}}), 4, 16, seed)));
    std::string seq;
    Connection c(svc.port());
    for (int i = 0; i < kRequests; ++i) seq += c.get("/").status == 500 ? 'E' : '.';
    const std::string m = c.get("/metrics").body;
    const auto errors = static_cast<double>(std::count(seq.begin(), seq.end(), 'E'));
    EXPECT_EQ(metric(m, "faultline_errors_total", {{"endpoint", "/"}, {"cause", "injected"}}), errors);
    EXPECT_EQ(metric(m, "faultline_requests_total", {{"endpoint", "/"}, {"code", "500"}}), errors);
    EXPECT_EQ(metric(m, "faultline_requests_total", {{"endpoint", "/"}, {"code", "200"}}), kRequests - errors);
    EXPECT_EQ(svc.stop(), 0);
    return seq;
  };
  const std::string a = statuses(7);
  // 20% of 1000: mean 200, standard deviation 12.6; +-50 is about 4 sigma.
  const auto errors = std::count(a.begin(), a.end(), 'E');
  EXPECT_GT(errors, 150);
  EXPECT_LT(errors, 250);
  // The same seed draws the same errors for the same requests; another seed does not.
  EXPECT_EQ(statuses(7), a);
  EXPECT_NE(statuses(8), a);
}

TEST(ServiceLocal, AFullQueueShedsWith503AndCountsIt) {
  TempDir dir;
  // 2 workers busy 800 ms each, 2 places in the queue: of 10 requests at
  // once, 4 are served and 6 shed at once.
  ServiceProcess svc(
      dir.write("svc.json", service_config(json::array({{{"path", "/"}, {"wait", constant(800'000'000)}}}), 2, 2)));
  const auto replies = concurrent(svc.port(), "/", 10);
  EXPECT_EQ(count_status(replies, 200), 4);
  EXPECT_EQ(count_status(replies, 503), 6);
  for (const auto& r : replies) {
    if (r.status == 503) {
      EXPECT_LT(r.seconds, 0.5) << "a shed request is answered at once";
    }
  }
  const std::string m = get(svc.port(), "/metrics").body;
  EXPECT_EQ(metric(m, "faultline_shed_total", {{"endpoint", "/"}, {"reason", "queue_full"}}), 6);
  EXPECT_EQ(metric(m, "faultline_requests_total", {{"endpoint", "/"}, {"code", "503"}}), 6);
  EXPECT_EQ(metric(m, "faultline_queue_delay_seconds_count", {{"endpoint", "/"}}), 4);
  EXPECT_EQ(metric(m, "faultline_queue_depth", {{"service", "svc"}}), 0);
  EXPECT_EQ(svc.stop(), 0);
}

TEST(ServiceLocal, QueuedRequestsAreShedByDelayBoundAndByTheirCallersDeadline) {
  TempDir dir;
  // One worker busy for 600 ms; a second request queued behind it must be
  // shed well before the worker frees up.
  auto run = [&](json extra, const std::map<std::string, std::string>& headers, const char* reason) {
    json cfg = service_config(json::array({{{"path", "/"}, {"wait", constant(600'000'000)}}}), 1, 8);
    cfg["service"].update(extra);
    ServiceProcess svc(dir.write(std::string(reason) + ".json", cfg));
    std::thread busy([&] { EXPECT_EQ(get(svc.port(), "/").status, 200u); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const Reply queued = get(svc.port(), "/", headers);
    EXPECT_EQ(queued.status, 503u) << reason;
    EXPECT_LT(queued.seconds, 0.4) << reason << ": shed by the sweep, not when the worker freed up";
    busy.join();
    EXPECT_EQ(metric(svc.port(), "faultline_shed_total", {{"reason", reason}}), 1) << reason;
    EXPECT_EQ(svc.stop(), 0);
  };
  // The caller gives up after 100 ms (x-faultline-timeout-us).
  run({{"drop_abandoned", true}}, {{"x-faultline-timeout-us", "100000"}}, "abandoned");
  // No deadline, but the service sheds what waited over 100 ms.
  run({{"drop_abandoned", false}, {"max_queue_delay_ns", 100'000'000}}, {}, "queue_delay");
}

TEST(ServiceLocal, CpuWorkCostsTheConfiguredCpuTime) {
  TempDir dir;
  constexpr int64_t kWorkNs = 40'000'000;
  constexpr int kPerConnection = 8, kConnections = 2;
  ServiceProcess svc(dir.write("svc.json", service_config(json::array({{{"path", "/"}, {"work", constant(kWorkNs)}}}), 2)));
  ASSERT_EQ(get(svc.port(), "/").status, 200u);  // warm: threads started, pages touched
  const double cpu0 = process_cpu_seconds(svc.pid());
  std::vector<std::thread> threads;
  std::vector<double> wall;
  std::mutex mu;
  for (int t = 0; t < kConnections; ++t) {
    threads.emplace_back([&] {
      Connection c(svc.port());
      for (int i = 0; i < kPerConnection; ++i) {
        const Reply r = c.get("/");
        std::lock_guard lock(mu);
        EXPECT_EQ(r.status, 200u);
        wall.push_back(r.seconds);
      }
    });
  }
  for (auto& t : threads) t.join();
  const double used = process_cpu_seconds(svc.pid()) - cpu0;
  const double expected = kConnections * kPerConnection * kWorkNs * 1e-9;  // 0.64 s
  // /proc counts in clock ticks (10 ms); the HTTP work around 16 requests is
  // far below that. Anything well under the configured work means the burn is
  // not real CPU; far over means it burns more than asked.
  EXPECT_GT(used, expected * 0.95 - 0.02);
  EXPECT_LT(used, expected * 1.15 + 0.05);
  // CPU time never exceeds wall time on one thread: no request is faster than its work.
  for (double w : wall) EXPECT_GE(w, kWorkNs * 1e-9);
  EXPECT_EQ(svc.stop(), 0);
}

TEST(ServiceLocal, DownstreamFailuresTimeoutsFallbacksAndDeadlines) {
  TempDir dir;
  ServiceProcess back(dir.write(
      "back.json", service_config(json::array({{{"path", "/"}},
                                                {{"path", "/fail"}, {"error_ppm", 1000000}},
                                                {{"path", "/slow"}, {"wait", constant(400'000'000)}}}),
                                  16, 64)));
  ASSERT_NE(back.port(), 0);
  auto call = [&](const char* path, json extra = json::object()) {
    json c = {{"to_node", "127.0.0.1"}, {"to_port", back.port()}, {"path", path}};
    c.update(extra);
    return c;
  };
  ServiceProcess front(dir.write(
      "front.json",
      service_config(json::array({{{"path", "/ok"}, {"calls", json::array({call("/")})}},
                                  {{"path", "/fail"}, {"calls", json::array({call("/fail", {{"retries", 2}})})}},
                                  {{"path", "/fallback"}, {"calls", json::array({call("/fail", {{"fallback", true}})})}},
                                  {{"path", "/slow"}, {"calls", json::array({call("/slow", {{"timeout_ns", 100'000'000}})})}},
                                  {{"path", "/fan"},
                                   {"parallel_calls", true},
                                   {"calls", json::array({call("/slow"), call("/slow"), call("/slow")})}}}),
                     16, 64)));
  ASSERT_NE(front.port(), 0);

  EXPECT_EQ(get(front.port(), "/ok").status, 200u);
  EXPECT_EQ(get(front.port(), "/fail").status, 502u);
  EXPECT_EQ(get(front.port(), "/fallback").status, 200u);
  const Reply slow = get(front.port(), "/slow");
  EXPECT_EQ(slow.status, 504u);
  EXPECT_LT(slow.seconds, 0.35) << "the call's 100 ms timeout, not the callee's 400 ms";
  // Parallel fan-out: three 400 ms calls take ~400 ms, not 1.2 s.
  const Reply fan = get(front.port(), "/fan");
  EXPECT_EQ(fan.status, 200u);
  EXPECT_LT(fan.seconds, 1.0);
  // The caller's deadline (50 ms) is shorter than the call's timeout (1 s
  // default) and is what ends the call.
  const Reply deadline = get(front.port(), "/fan", {{"x-faultline-timeout-us", "50000"}});
  EXPECT_EQ(deadline.status, 504u);
  EXPECT_LT(deadline.seconds, 0.3);

  const std::string m = get(front.port(), "/metrics").body;
  EXPECT_EQ(metric(m, "faultline_errors_total", {{"endpoint", "/fail"}, {"cause", "downstream"}}), 1);
  EXPECT_EQ(metric(m, "faultline_errors_total", {{"endpoint", "/slow"}, {"cause", "deadline"}}), 1);
  EXPECT_EQ(metric(m, "faultline_errors_total", {{"endpoint", "/fan"}, {"cause", "deadline"}}), 1);
  EXPECT_EQ(metric(m, "faultline_downstream_attempts_total", {{"endpoint", "/fail"}}), 3);
  EXPECT_EQ(metric(get(back.port(), "/metrics").body, "faultline_requests_total",
                   {{"endpoint", "/fail"}, {"code", "500"}}),
            4);  // 3 attempts from /fail, 1 from /fallback
  EXPECT_EQ(front.stop(), 0);
  EXPECT_EQ(back.stop(), 0);
}

TEST(ServiceLocal, StartErrorsExitWithTheirCodes) {
  TempDir dir;
  // A configuration without endpoints: bad input, 2.
  json bad = service_config(json::array());
  EXPECT_EQ(bp::system(service_binary(), "--config", dir.write("bad.json", bad), bp::std_out > bp::null,
                       bp::std_err > bp::null),
            2);
  // A port already in use: the environment's fault, 3.
  ServiceProcess first(dir.write("a.json", service_config(json::array({{{"path", "/"}}}))));
  ASSERT_NE(first.port(), 0);
  json same = service_config(json::array({{{"path", "/"}}}));
  same["service"]["port"] = first.port();
  EXPECT_EQ(bp::system(service_binary(), "--config", dir.write("b.json", same), "--listen", "127.0.0.1",
                       bp::std_out > bp::null, bp::std_err > bp::null),
            3);
  EXPECT_EQ(first.stop(), 0);
}
