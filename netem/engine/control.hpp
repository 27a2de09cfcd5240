// SPDX-License-Identifier: Apache-2.0
// The engine's control socket: a Unix stream socket speaking line-delimited
// JSON, one response line per request line. The server only frames lines and
// manages connections; what a request means is the handler's business (the
// engine's parses it with parse_engine_request, control_request.hpp).
// Only root may steer the engine: the socket file is 0600, and each peer is
// checked again on accept (SO_PEERCRED; root or the engine's own user), so
// a loosened mode still lets no one else in. A line longer than
// kMaxEngineRequestBytes gets an error answer and the connection is closed.
// It runs inside the engine's event loop: its fds are registered in the
// engine's epoll set, with tags the engine routes back to on_event().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace faultline::netem::engine {

class ControlServer {
 public:
  // One request line (without its newline) -> the answer object.
  using Handler = std::function<nlohmann::json(std::string_view line)>;

  // Binds and listens on path (a stale socket file left by a dead engine is
  // replaced; a live one is an error), registers with epoll_fd. Events for
  // this server carry tags in [tag_base, tag_base + 2^31).
  static Result<ControlServer> listen(const std::string& path, int epoll_fd, uint64_t tag_base);

  ControlServer() = default;
  ControlServer(ControlServer&&) noexcept;
  ControlServer& operator=(ControlServer&&) noexcept;
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer();  // closes every connection, removes the socket file

  bool owns(uint64_t tag) const { return listen_fd_.valid() && tag >= tag_base_ && tag < tag_base_ + (1ull << 31); }
  void on_event(uint64_t tag, uint32_t events, const Handler& handler);

 private:
  static constexpr size_t kMaxConnections = 64;
  static constexpr size_t kMaxUnsentBytes = size_t{16} << 20;

  struct Conn {
    UniqueFd fd;
    std::string in, out;
    bool eof = false;  // the client shut its side: answer, then close
  };
  void close() noexcept;
  void accept_all();
  void serve(uint32_t id, const Handler& handler);
  // Sends what it can of `answer` without blocking, then closes.
  void refuse(uint32_t id, const std::string& why);
  void drop(uint32_t id);
  void update_interest(uint32_t id);

  std::string path_;
  int epoll_fd_ = -1;
  uint64_t tag_base_ = 0;
  UniqueFd listen_fd_;
  std::map<uint32_t, Conn> conns_;
  uint32_t next_id_ = 1;
};

}  // namespace faultline::netem::engine
