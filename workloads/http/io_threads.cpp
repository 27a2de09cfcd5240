// SPDX-License-Identifier: Apache-2.0
#include "workloads/http/io_threads.hpp"

#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace faultline::workloads::http {

Status run_io_threads(boost::asio::io_context& io, unsigned n) {
  std::mutex mu;
  std::string first_error;
  auto run = [&] {
    try {
      io.run();
    } catch (const std::exception& e) {
      std::lock_guard lock(mu);
      if (first_error.empty()) first_error = e.what();
      io.stop();
    }
  };
  {
    std::vector<std::jthread> extra;
    for (unsigned i = 1; i < n; ++i) extra.emplace_back(run);
    run();
  }  // joins the extra threads
  if (!first_error.empty()) return logic_error("I/O thread: " + first_error);
  return {};
}

}  // namespace faultline::workloads::http
