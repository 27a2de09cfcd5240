// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/control_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "base/fd.hpp"

namespace faultline::netem {

using nlohmann::json;

namespace {

int64_t now_ms() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace

Result<json> engine_request(const std::string& sock_path, const json& req, int timeout_ms) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (sock_path.empty() || sock_path.size() >= sizeof a.sun_path)
    return logic_error("bad engine control socket path '" + sock_path + "'");
  std::memcpy(a.sun_path, sock_path.c_str(), sock_path.size());

  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error("socket for engine control");
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0)
    return sys_error("connect to engine at " + sock_path);

  const std::string line = req.dump() + "\n";
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("send request to engine at " + sock_path);
    }
    sent += static_cast<size_t>(n);
  }

  std::string in;
  const int64_t deadline = now_ms() + timeout_ms;
  while (in.find('\n') == std::string::npos) {
    if (now_ms() > deadline) return sys_error(ETIMEDOUT, "engine response from " + sock_path);
    char buf[4096];
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error(errno == EAGAIN ? ETIMEDOUT : errno, "engine response from " + sock_path);
    }
    if (n == 0) return logic_error("engine at " + sock_path + " closed the connection without a response");
    in.append(buf, static_cast<size_t>(n));
  }
  json resp = json::parse(in.substr(0, in.find('\n')), nullptr, /*allow_exceptions=*/false);
  if (resp.is_discarded() || !resp.is_object()) return logic_error("engine at " + sock_path + " sent a malformed response");
  if (!resp.value("ok", false)) {
    std::string msg = "engine refused request";
    if (auto it = resp.find("error"); it != resp.end() && it->is_string()) msg = "engine: " + it->get<std::string>();
    return logic_error(msg);
  }
  return resp;
}

Status wait_engine_ready(const std::string& sock_path, int timeout_ms) {
  const int64_t deadline = now_ms() + timeout_ms;
  Error last = logic_error("engine at " + sock_path + " not ready");
  while (now_ms() < deadline) {
    auto r = engine_request(sock_path, json{{"op", "ping"}}, 1000);
    if (r.ok()) return {};
    last = r.error();
    ::poll(nullptr, 0, 10);
  }
  return wrap(last, "waiting " + std::to_string(timeout_ms) + " ms for the link engine");
}

}  // namespace faultline::netem
