// SPDX-License-Identifier: Apache-2.0
// The run owner's control socket: `faultline fault` (and later tools) send one
// JSON request per connection and read one JSON answer. Only the owner changes
// its run, so every fault it applies is one it will also revert.
//
// Only root may use it: the socket file is 0600 in a 0700 folder, and each
// connection's peer is checked again on accept (SO_PEERCRED), so a socket
// whose mode was loosened still answers no one else. Every request goes
// through parse_control_request (control_request.hpp) first: a malformed,
// oversized or unknown request gets an error answer and the owner carries on.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "orchestrator/runtime/control_request.hpp"

namespace faultline::runtime {

std::string control_socket_path(const std::string& run);

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const ControlRequest&)>;
  static Result<ControlServer> listen(const std::string& path);
  ControlServer() = default;
  ControlServer(ControlServer&&) noexcept = default;
  ControlServer& operator=(ControlServer&&) noexcept = default;
  ~ControlServer();

  int fd() const { return fd_.get(); }
  // Accepts and answers every pending connection (non-blocking listener).
  void serve_pending(const Handler& h);

 private:
  UniqueFd fd_;
  std::string path_;
};

// One request to a run's owner. Errors: the owner is not answering, or its
// answer has "ok": false (the message is the owner's "error", with its
// "errno" when the owner failed at a system call; 0 when it refused the
// request itself). `answered` (when given) tells the two apart: false when
// the owner could not be reached or did not answer.
Result<nlohmann::json> control_request(const std::string& run, const nlohmann::json& req, int timeout_ms = 30'000,
                                       bool* answered = nullptr);

}  // namespace faultline::runtime
