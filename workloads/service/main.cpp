// SPDX-License-Identifier: Apache-2.0
// faultline-service: one synthetic microservice (a node's node.service),
// configured by the JSON the orchestrator writes (workloads/spec), serving
// its endpoints and /metrics over HTTP/1.1 until SIGTERM or SIGINT.
//
// Exit codes: 0 stopped by a signal; 2 bad command line or configuration;
// 3 the environment refused (port in use, address missing); 4 runtime error.
#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <exception>

#include "base/result.hpp"
#include "workloads/http/io_threads.hpp"
#include "workloads/service/service_app.hpp"
#include "workloads/spec/config.hpp"

using namespace faultline;
using namespace faultline::workloads;

namespace {

int run(const std::string& config_path, const std::string& address, unsigned threads) {
  auto cfg = read_service_config(config_path);
  if (!cfg.ok()) throw FatalError(kExitBadInput, cfg.error().message());
  if (auto st = service::validate(cfg->service); !st.ok())
    throw FatalError(kExitBadInput, config_path + ": " + st.error().message());

  http::IoContext io(static_cast<int>(threads));
  service::ServiceApp app(io.get_executor(), *cfg);
  auto bound = app.listen(address);
  if (!bound.ok()) throw FatalError(kExitEnvironment, bound.error().message());

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    app.stop_accepting();
    io.stop();
  });
  app.start();
  // One line at start, for whoever started us (tests read the port from it).
  std::printf("faultline-service %s listening on %s:%u\n", app.name().c_str(), bound->address().to_string().c_str(),
              static_cast<unsigned>(bound->port()));
  std::fflush(stdout);

  const Status st = http::run_io_threads(io, threads);
  app.shutdown();
  io.destroy_pending();
  if (!st.ok()) throw FatalError(kExitRuntime, st.error().message());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"faultline-service: a synthetic microservice for faultline experiments"};
  std::string config_path;
  std::string address = "0.0.0.0";
  unsigned threads = 1;
  cli.add_option("--config", config_path, "service configuration (JSON, written by faultline)")->required();
  cli.add_option("--listen", address, "address to listen on (the port is the configuration's)");
  cli.add_option("--threads", threads, "I/O threads")->check(CLI::Range(1u, 64u));
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = cli.exit(e);
    return rc == 0 ? kExitOk : kExitBadInput;
  }
  try {
    return run(config_path, address, threads);
  } catch (const FatalError& e) {
    std::fprintf(stderr, "faultline-service: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "faultline-service: %s\n", e.what());
    return kExitRuntime;
  }
}
