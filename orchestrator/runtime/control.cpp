// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/control.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "base/peer.hpp"
#include "orchestrator/runtime/state.hpp"

namespace faultline::runtime {

using nlohmann::json;

std::string control_socket_path(const std::string& run) { return run_dir(run) + "/control.sock"; }

namespace {

Result<sockaddr_un> address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) return sys_error(ENAMETOOLONG, "control socket path " + path);
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

// Reads until the peer shuts its side (one request or answer per
// connection), at most `limit` bytes: more is EMSGSIZE.
Result<std::string> read_all(int fd, int timeout_ms, size_t limit) {
  std::string out;
  char buf[8192];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, timeout_ms);
    if (r == 0) return sys_error(ETIMEDOUT, "read from control socket");
    if (r < 0) {
      if (errno == EINTR) continue;
      return sys_error("poll control socket");
    }
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return sys_error("read control socket");
    }
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > limit) return sys_error(EMSGSIZE, "control message over " + std::to_string(limit) + " bytes");
  }
}

// Answers are dumped without throwing: a string that is not UTF-8 is replaced,
// never an exception in the owner.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json refusal(const std::string& msg) { return json{{"ok", false}, {"error", msg}}; }

Status write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("write control socket");
    }
    off += static_cast<size_t>(n);
  }
  return {};
}

}  // namespace

Result<ControlServer> ControlServer::listen(const std::string& path) {
  auto addr = address(path);
  if (!addr.ok()) return addr.error();
  ControlServer s;
  s.fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s.fd_.valid()) return sys_error("control socket");
  ::unlink(path.c_str());  // a stale socket of this same run's folder
  if (::bind(s.fd_.get(), reinterpret_cast<sockaddr*>(&addr.value()), sizeof(sockaddr_un)) != 0)
    return sys_error("bind control socket " + path);
  ::chmod(path.c_str(), 0600);
  if (::listen(s.fd_.get(), 16) != 0) return sys_error("listen on " + path);
  s.path_ = path;
  return s;
}

ControlServer::~ControlServer() {
  if (fd_.valid() && !path_.empty()) ::unlink(path_.c_str());
}

void ControlServer::serve_pending(const Handler& h) {
  for (;;) {
    UniqueFd c(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!c.valid()) return;  // EAGAIN: nothing pending
    // A client that never reads its answer cannot hold the owner.
    timeval tv{5, 0};
    ::setsockopt(c.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (const auto peer = peer_uid(c.get()); !peer || !control_peer_allowed(*peer, ::geteuid())) {
      (void)write_all(c.get(), dump(refusal("refused: only root may use this control socket (peer uid " +
                                            (peer ? std::to_string(*peer) : "unknown") + ")")));
      continue;
    }
    auto text = read_all(c.get(), 5000, kMaxControlRequestBytes);
    json answer;
    if (!text.ok()) {
      answer = refusal(text.error().err == EMSGSIZE
                           ? "the request is larger than " + std::to_string(kMaxControlRequestBytes) + " bytes"
                           : text.error().message());
    } else {
      auto req = parse_control_request(text.value());
      answer = req.ok() ? h(req.value()) : refusal(req.error().message());
    }
    (void)write_all(c.get(), dump(answer));
  }
}

Result<json> control_request(const std::string& run, const json& req, int timeout_ms, bool* answered) {
  if (answered) *answered = false;
  const std::string path = control_socket_path(run);
  auto addr = address(path);
  if (!addr.ok()) return addr.error();
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error("socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr.value()), sizeof(sockaddr_un)) != 0)
    return sys_error("reach the owner of run " + run + " at " + path + " (is it up? see `faultline status`)");
  FL_TRY(write_all(fd.get(), dump(req)));
  ::shutdown(fd.get(), SHUT_WR);
  auto text = read_all(fd.get(), timeout_ms, size_t{1} << 24);
  if (!text.ok()) return text.error();
  json ans = json::parse(text.value(), nullptr, false);
  if (ans.is_discarded() || !ans.is_object())
    return sys_error(EPROTO, "the owner of run " + run + " answered with something not a JSON object");
  if (answered) *answered = true;
  const auto ok = ans.find("ok");
  if (ok == ans.end() || !ok->is_boolean() || !ok->get<bool>()) {
    const auto err = ans.find("error");
    const auto no = ans.find("errno");
    return Error{no != ans.end() && no->is_number_integer() ? no->get<int>() : 0,
                 err != ans.end() && err->is_string() ? err->get<std::string>() : "the owner refused"};
  }
  return ans;
}

}  // namespace faultline::runtime
