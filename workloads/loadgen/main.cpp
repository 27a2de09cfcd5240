// SPDX-License-Identifier: Apache-2.0
// faultline-loadgen --config FILE.json: an open-loop load generator run
// inside a client node (node.load of the topology). It serves /metrics and
// its live rate control on 0.0.0.0:metrics_port, runs for duration_ns (0:
// until SIGTERM), prints a one-line JSON summary on stdout and exits 0.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "workloads/http/io_threads.hpp"
#include "workloads/http/metrics_handler.hpp"
#include "workloads/http/server.hpp"
#include "workloads/loadgen/load_generator.hpp"
#include "workloads/loadgen/routes.hpp"
#include "workloads/spec/config.hpp"

using namespace faultline;
using namespace faultline::workloads;

namespace {

// Each connection is a descriptor; `connections` may be in the thousands.
void raise_fd_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

int run(const std::string& config_path) {
  auto cfg = read_load_config(config_path);
  if (!cfg.ok()) throw FatalError(kExitBadInput, cfg.error().message());
  raise_fd_limit();

  // One thread: arrivals, requests, metrics and control share it, so the
  // generator needs no locks and its random draws keep their order.
  boost::asio::io_context io(1);
  auto registry = std::make_shared<prometheus::Registry>();
  http::MetricsHandler metrics(registry);
  loadgen::LoadGenerator gen(io.get_executor(), *cfg, *registry);
  http::Server server(io.get_executor(), loadgen::make_routes(gen, metrics));
  auto bound = server.listen("0.0.0.0", cfg->load.metrics_port);
  if (!bound.ok()) throw FatalError(kExitEnvironment, "metrics port: " + bound.error().message());
  server.start();

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) gen.stop();
  });
  gen.start([&] {
    server.stop();
    signals.cancel();
    io.stop();  // keep-alive scrape connections would keep run() busy
  });
  auto st = http::run_io_threads(io, 1);
  if (!st.ok()) throw FatalError(kExitRuntime, st.error().message());
  std::printf("%s\n", gen.summary().dump().c_str());
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"faultline-loadgen: open-loop load generator of a faultline node"};
  std::string config;
  app.add_option("--config", config, "load configuration (JSON written by faultline)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitBadInput;
  }
  try {
    return run(config);
  } catch (const FatalError& e) {
    std::fprintf(stderr, "faultline-loadgen: %s\n", e.what());
    return e.exit_code();
  }
}
