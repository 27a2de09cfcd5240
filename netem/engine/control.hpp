// The engine's control socket: a Unix stream socket speaking line-delimited
// JSON, one response line per request line. The server only frames lines and
// manages connections; what a request means is the handler's business.
// It runs inside the engine's event loop: its fds are registered in the
// engine's epoll set, with tags the engine routes back to on_event().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace faultline::netem::engine {

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json&)>;

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
  static constexpr size_t kMaxLine = 1 << 20;
  static constexpr size_t kMaxConnections = 64;

  struct Conn {
    UniqueFd fd;
    std::string in, out;
  };
  void close() noexcept;
  void accept_all();
  void serve(uint32_t id, const Handler& handler);
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
