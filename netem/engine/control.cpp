// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/control.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <utility>
#include <nlohmann/json.hpp>

#include "base/peer.hpp"
#include "netem/engine/control_request.hpp"

namespace faultline::netem::engine {

using nlohmann::json;

namespace {

Result<sockaddr_un> unix_addr(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path) return logic_error("bad control socket path '" + path + "'");
  std::memcpy(a.sun_path, path.c_str(), path.size());
  return a;
}

json error_answer(const std::string& msg) { return json{{"ok", false}, {"error", msg}}; }

// Dumped without throwing: a string that is not UTF-8 is replaced.
std::string answer_line(const json& answer) {
  return answer.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string too_long() {
  return "the request is larger than " + std::to_string(kMaxEngineRequestBytes) + " bytes";
}

}  // namespace

Result<ControlServer> ControlServer::listen(const std::string& path, int epoll_fd, uint64_t tag_base) {
  auto addr = unix_addr(path);
  if (!addr.ok()) return addr.error();
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return logic_error("control path " + path + " exists and is not a socket");
    // A socket file nobody listens on is what a killed engine leaves.
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (probe.valid() && ::connect(probe.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) == 0)
      return logic_error("control socket " + path + " is in use by a running engine");
    ::unlink(path.c_str());
  }
  ControlServer s;
  s.path_ = path;
  s.epoll_fd_ = epoll_fd;
  s.tag_base_ = tag_base;
  s.listen_fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s.listen_fd_.valid()) return sys_error("control socket");
  if (::bind(s.listen_fd_.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) < 0)
    return sys_error("bind control socket " + path);
  // Only root (the orchestrator) may steer the engine.
  ::chmod(path.c_str(), 0600);
  if (::listen(s.listen_fd_.get(), 16) < 0) return sys_error("listen on " + path);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = tag_base;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, s.listen_fd_.get(), &ev) < 0) return sys_error("epoll add control socket");
  return s;
}

ControlServer::ControlServer(ControlServer&& o) noexcept { *this = std::move(o); }

ControlServer& ControlServer::operator=(ControlServer&& o) noexcept {
  if (this != &o) {
    close();
    path_ = std::exchange(o.path_, std::string());
    epoll_fd_ = o.epoll_fd_;
    tag_base_ = o.tag_base_;
    listen_fd_ = std::move(o.listen_fd_);
    conns_ = std::move(o.conns_);
    next_id_ = o.next_id_;
  }
  return *this;
}

ControlServer::~ControlServer() { close(); }

void ControlServer::close() noexcept {
  // Closing an fd removes it from the epoll set; no epoll_ctl needed.
  conns_.clear();
  if (listen_fd_.valid() && !path_.empty()) ::unlink(path_.c_str());
  listen_fd_.reset();
}

void ControlServer::on_event(uint64_t tag, uint32_t events, const Handler& handler) {
  if (tag == tag_base_) {
    accept_all();
    return;
  }
  const auto id = static_cast<uint32_t>(tag - tag_base_);
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  if (events & (EPOLLERR | EPOLLHUP)) {
    drop(id);
    return;
  }
  if (events & EPOLLOUT) {
    Conn& c = it->second;
    const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN) {
      drop(id);
      return;
    }
    if (n > 0) c.out.erase(0, static_cast<size_t>(n));
    if (c.eof && c.out.empty()) {
      drop(id);
      return;
    }
    update_interest(id);
  }
  if (events & (EPOLLIN | EPOLLRDHUP)) serve(id, handler);
}

void ControlServer::accept_all() {
  for (;;) {
    UniqueFd fd(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) return;
    if (conns_.size() >= kMaxConnections) continue;  // closed at once: the client sees EOF
    const uint32_t id = next_id_++;
    if (next_id_ >= (1u << 31)) next_id_ = 1;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = tag_base_ + id;
    // The mode of the socket file is not the only guard.
    if (const auto peer = peer_uid(fd.get()); !peer || !control_peer_allowed(*peer, ::geteuid())) {
      const std::string line = answer_line(error_answer("refused: only root may steer the link engine (peer uid " +
                                                        (peer ? std::to_string(*peer) : "unknown") + ")"));
      (void)::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      continue;
    }
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd.get(), &ev) < 0) continue;
    conns_[id].fd = std::move(fd);
  }
}

void ControlServer::serve(uint32_t id, const Handler& handler) {
  Conn& c = conns_[id];
  char buf[4096];
  bool eof = false;
  // At most about one request's worth per event, so that a client flooding
  // the socket cannot keep the loop from its packets (epoll is level
  // triggered: the rest is reported again).
  for (size_t got = 0; got <= kMaxEngineRequestBytes;) {
    const ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
      got += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || errno != EAGAIN) eof = true;
    break;
  }
  size_t pos;
  while ((pos = c.in.find('\n')) != std::string::npos) {
    const std::string line = c.in.substr(0, pos);
    c.in.erase(0, pos + 1);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    c.out += answer_line(line.size() > kMaxEngineRequestBytes ? error_answer(too_long()) : handler(line));
  }
  // What is left is the start of a line: longer than the limit, it is
  // answered and the connection closed (the rest is never read).
  if (c.in.size() > kMaxEngineRequestBytes) {
    refuse(id, too_long());
    return;
  }
  // A last line without its newline (a client that shut its side) is
  // answered too: truncated, it gets its error.
  if (eof && c.in.find_first_not_of(" \t\r") != std::string::npos) c.out += answer_line(handler(c.in));
  if (eof) {
    c.in.clear();
    c.eof = true;
  }
  if (!c.out.empty()) {
    const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) c.out.erase(0, static_cast<size_t>(n));
  }
  // A client that sends requests but never reads the answers is hung up on.
  if (c.out.size() > kMaxUnsentBytes || (eof && c.out.empty())) {
    drop(id);
    return;
  }
  update_interest(id);
}

void ControlServer::update_interest(uint32_t id) {
  Conn& c = conns_[id];
  epoll_event ev{};
  // After the client's end of stream only the answers are left to send: no
  // read interest, or a level-triggered RDHUP would wake the loop forever.
  ev.events = (c.eof ? 0u : static_cast<uint32_t>(EPOLLIN | EPOLLRDHUP)) |
              (c.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT));
  ev.data.u64 = tag_base_ + id;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd.get(), &ev);
}

void ControlServer::refuse(uint32_t id, const std::string& why) {
  Conn& c = conns_[id];
  c.out += answer_line(error_answer(why));
  (void)::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  drop(id);
}

void ControlServer::drop(uint32_t id) { conns_.erase(id); }

}  // namespace faultline::netem::engine
