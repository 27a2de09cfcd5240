// The run owner's control socket: `faultline fault` (and later tools) send one
// JSON request per connection and read one JSON answer. Only the owner changes
// its run, so every fault it applies is one it will also revert.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace faultline::runtime {

std::string control_socket_path(const std::string& run);

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json&)>;
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
// answer has "ok": false (the message is the owner's "error").
Result<nlohmann::json> control_request(const std::string& run, const nlohmann::json& req, int timeout_ms = 30'000);

}  // namespace faultline::runtime
