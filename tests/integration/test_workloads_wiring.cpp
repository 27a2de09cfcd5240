// SPDX-License-Identifier: Apache-2.0
// The orchestrator runs the workloads of a topology: `faultline up` writes
// each workload's configuration into the run folder (visible read-only in the
// nodes), starts faultline-service in its node and faultline-loadgen in the
// client node, the load reaches the service over the link, and `down` leaves
// nothing behind. Needs root, and the workload binaries in the build tree.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <nlohmann/json.hpp>

#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/netns.hpp"
#include "orchestrator/runtime/proc.hpp"
#include "orchestrator/runtime/state.hpp"
#include "tests/support/cli_run_test.hpp"
#include "workloads/spec/config.hpp"

using namespace faultline;
using namespace faultline::testing;
namespace fs = std::filesystem;
namespace http = boost::beast::http;
using boost::asio::ip::tcp;

namespace {

constexpr int64_t kS = 1'000'000'000;

const char* kTopo = R"(
[experiment]
name = "wiring"
seed = 11

[[node]]
name = "client"
  [node.load]
  target = "api:8080"
  rate = 50
  mix = [{ path = "/", weight = 1 }, { path = "/slow", weight = 3 }]
  schedule = [{ at = "30s", ramp = "5s", rate = 80 }]
  throttle = { max_tokens = 20 }
  metrics_port = 9470

[[node]]
name = "api"
  [[node.service]]
  port = 8080
  workers = 3
    [[node.service.endpoint]]
    path = "/slow"
    wait = "1ms"

[[link]]
between = ["client", "api"]
)";

struct HttpAnswer {
  int status = 0;       // 0: no answer
  std::string body;
  std::string error;
};

// GET http://addr:port/path from inside a network namespace (Beast; the
// socket is created on a thread that has joined the namespace).
HttpAnswer get_in(int netns_fd, const std::string& addr, uint16_t port, const std::string& path) {
  HttpAnswer a;
  (void)runtime::in_netns(netns_fd, [&]() -> Status {
    try {
      boost::asio::io_context io;
      tcp::socket sock(io);
      sock.connect(tcp::endpoint(boost::asio::ip::make_address(addr), port));
      timeval tv{3, 0};
      ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      http::request<http::empty_body> req(http::verb::get, path, 11);
      req.set(http::field::host, addr);
      req.keep_alive(false);
      http::write(sock, req);
      boost::beast::flat_buffer buf;
      http::response<http::string_body> res;
      http::read(sock, buf, res);
      a.status = static_cast<int>(res.result_int());
      a.body = res.body();
    } catch (const std::exception& e) {
      a.error = e.what();
    }
    return {};
  });
  return a;
}

// The value of an unlabelled or labelled counter summed over its series; -1 when absent.
double metric_sum(const std::string& exposition, const std::string& name) {
  std::istringstream in(exposition);
  std::string line;
  double sum = -1;
  const std::regex re("^" + name + R"((\{[^}]*\})? ([0-9.eE+-]+))");
  std::smatch m;
  while (std::getline(in, line)) {
    if (!std::regex_search(line, m, re)) continue;
    sum = (sum < 0 ? 0 : sum) + std::stod(m[2]);
  }
  return sum;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uint64_t ns_inode(pid_t pid, const char* kind) {
  struct stat st {};
  const std::string p = "/proc/" + std::to_string(pid) + "/ns/" + kind;
  return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

class WorkloadsWiring : public CliRunTest {
 protected:
  void SetUp() override {
    CliRunTest::SetUp();
    if (IsSkipped()) return;
    // Missing binaries are a build problem, not a reason to skip: `up` would refuse.
    for (const char* bin : {"workloads/service/faultline-service", "workloads/loadgen/faultline-loadgen"})
      ASSERT_EQ(::access((std::string(FL_BINARY_DIR) + "/" + bin).c_str(), X_OK), 0)
          << bin << " is not built (make faultline builds it)";
  }
  const runtime::ProcessRecord* process(const runtime::RunState& st, const std::string& name) {
    for (const auto& p : st.processes)
      if (p.name == name) return &p;
    return nullptr;
  }
  std::string workload_dir() const { return runtime::run_dir(run_) + "/" + plan::kWorkloadDir; }
};

}  // namespace

TEST_F(WorkloadsWiring, UpStartsServiceAndLoadInTheirNodesAndDownLeavesNothing) {
  const std::string out = up(kTopo);
  if (HasFailure()) return;
  const auto st = state();
  const auto* svc = process(st, "service api");
  const auto* load = process(st, "load");
  ASSERT_NE(svc, nullptr) << out;
  ASSERT_NE(load, nullptr) << out;
  EXPECT_EQ(svc->node, "api");
  EXPECT_EQ(load->node, "client");
  EXPECT_TRUE(runtime::is_alive(svc->id));
  EXPECT_TRUE(runtime::is_alive(load->id));

  // Each runs in its node: the node's network namespace and cgroup.
  const auto* api_holder = st.holder("api");
  const auto* client_holder = st.holder("client");
  ASSERT_NE(api_holder, nullptr);
  ASSERT_NE(client_holder, nullptr);
  EXPECT_EQ(ns_inode(svc->id.pid, "net"), ns_inode(api_holder->id.pid, "net"));
  EXPECT_EQ(ns_inode(load->id.pid, "net"), ns_inode(client_holder->id.pid, "net"));
  EXPECT_NE(ns_inode(svc->id.pid, "net"), ns_inode(::getpid(), "net"));
  EXPECT_NE(read_text("/proc/" + std::to_string(svc->id.pid) + "/cgroup").find("faultline/" + run_ + "/api"),
            std::string::npos);

  // The configurations, as written, hold the resolved values of the file.
  auto lc = workloads::read_load_config(workload_dir() + "/client.load.json");
  ASSERT_TRUE(lc.ok()) << lc.error().message();
  EXPECT_EQ(lc->node, "client");
  EXPECT_EQ(lc->seed, plan::workload_seed(11, "load client"));
  EXPECT_EQ(lc->load.target_node, "api");
  EXPECT_EQ(lc->load.target_port, 8080);
  EXPECT_EQ(lc->load.mix, (std::vector<model::RequestKind>{{"/", 1}, {"/slow", 3}}));
  ASSERT_EQ(lc->load.schedule.size(), 1u);
  EXPECT_EQ(lc->load.schedule[0], (model::RateStep{model::RateStep::Kind::kRamp, 30 * kS, 5 * kS, 80}));
  EXPECT_EQ(lc->load.throttle, (model::RetryThrottle{20, 0.1}));
  EXPECT_EQ(lc->load.metrics_port, 9470);
  auto sc = workloads::read_service_config(workload_dir() + "/api.service.json");
  ASSERT_TRUE(sc.ok()) << sc.error().message();
  EXPECT_EQ(sc->service.workers, 3u);
  ASSERT_EQ(sc->service.endpoints.size(), 2u);
  EXPECT_EQ(sc->service.endpoints[1].path, "/slow");
  EXPECT_EQ(sc->service.endpoints[1].wait.mean_ns, 1'000'000);

  // Inside the node the folder is there, at the same path, and read-only.
  const std::string cfg = workload_dir() + "/api.service.json";
  auto r = run_cmd(cli("exec " + run_ + " api -- cat " + cfg));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, read_text(cfg));
  r = run_cmd(cli("exec " + run_ + " api -- touch " + workload_dir() + "/x"));
  EXPECT_NE(r.status, 0) << "the shared folder must be read-only in the node";

  // /metrics answers inside the nodes, and the load reaches the service over
  // the link: its request counter grows.
  auto api_ns = runtime::open_ns(api_holder->id.pid, "net");
  auto client_ns = runtime::open_ns(client_holder->id.pid, "net");
  ASSERT_TRUE(api_ns.ok() && client_ns.ok());
  double served = -1;
  HttpAnswer m;
  for (int i = 0; i < 50 && served <= 0; ++i) {
    m = get_in(api_ns->get(), "127.0.0.1", 8080, "/metrics");
    served = metric_sum(m.body, "faultline_requests_total");
    if (served <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(m.status, 200) << m.error;
  EXPECT_GT(served, 0) << "the service saw no request from the load generator\n" << m.body.substr(0, 2000);
  const auto lm = get_in(client_ns->get(), "127.0.0.1", 9470, "/metrics");
  EXPECT_EQ(lm.status, 200) << lm.error;
  EXPECT_GT(metric_sum(lm.body, "faultline_load_offered_total"), 0) << lm.body.substr(0, 2000);

  // down: processes gone, run folder gone (TearDown checks links and cgroups).
  r = run_cmd(cli("down " + run_));
  EXPECT_EQ(r.status, 0) << r.out;
  for (int i = 0; i < 50 && (runtime::is_alive(svc->id) || runtime::is_alive(load->id)); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(runtime::is_alive(svc->id));
  EXPECT_FALSE(runtime::is_alive(load->id));
  EXPECT_FALSE(fs::exists(runtime::run_dir(run_)));
}

TEST_F(WorkloadsWiring, AServiceThatCannotStartFailsUpAndLeavesNothing) {
  // A binary that exits at once stands in for a service that rejects its
  // configuration. Not under /tmp: nodes have their own /tmp.
  const fs::path fake = fs::path(FL_BINARY_DIR) / ("fake-service-" + run_);
  std::ofstream(fake) << "#!/bin/sh\necho 'bad configuration' >&2\nexit 3\n";
  fs::permissions(fake, fs::perms::owner_all);
  struct Remove {
    fs::path p;
    ~Remove() {
      std::error_code ec;
      fs::remove(p, ec);
    }
  } remove{fake};
  const auto r = run_cmd("FAULTLINE_SERVICE=" + fake.string() + " " +
                         cli("up --name " + run_ + " --logs " + (dir_ / "logs").string() + " " + write_topology(kTopo)));
  EXPECT_NE(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("service api in node api"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ended (exit status 3) before listening"), std::string::npos) << r.out;
  EXPECT_NE(read_text((dir_ / "logs" / "api.service.log").string()).find("bad configuration"), std::string::npos);
  EXPECT_FALSE(fs::exists(runtime::run_dir(run_)));
}
