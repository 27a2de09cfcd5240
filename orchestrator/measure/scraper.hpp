// SPDX-License-Identifier: Apache-2.0
// Reads a workload's /metrics from inside its node: the socket is created in
// the node's network namespace and connects to the node's own loopback, a
// path no link impairment or partition of the experiment touches (they act
// on the node's links, never on lo). One keep-alive connection per target,
// reopened when it breaks.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace faultline::measure {

class Scraper {
 public:
  static constexpr uint64_t kDefaultBodyLimit = uint64_t{8} << 20;
  // netns_fd is borrowed: it must outlive the Scraper (a connection is
  // reopened inside it after a failure).
  Scraper(int netns_fd, uint16_t port, std::chrono::milliseconds timeout = std::chrono::milliseconds(500));
  ~Scraper();
  Scraper(Scraper&&) noexcept;
  Scraper& operator=(Scraper&&) noexcept;

  // The body of GET `path`; an error when the workload does not answer 200
  // within the timeout, or answers more than body_limit bytes.
  Result<std::string> get(const std::string& path = "/metrics", uint64_t body_limit = kDefaultBodyLimit);
  // POST with an empty body (control endpoints); returns the body.
  Result<std::string> post(const std::string& target);

 private:
  Result<std::string> request(bool post, const std::string& target, uint64_t body_limit);
  struct Conn;
  int netns_fd_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Conn> conn_;
};

}  // namespace faultline::measure
