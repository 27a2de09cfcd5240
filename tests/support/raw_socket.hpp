// SPDX-License-Identifier: Apache-2.0
// Raw conversations with a control socket (the run owner's, the link
// engine's), as a hostile or confused client has them: any bytes, any size,
// with or without shutting the write side, and from another user in a forked
// child. The answer is whatever arrives until the server hangs up.
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace faultline::testing {

struct RawExchange {
  int connect_errno = 0;  // 0: connected
  std::string answer;     // everything received until EOF, a reset or the timeout
};

// Sends `payload` (stopping where the server hangs up: an oversized request
// is answered before it is all sent), shuts the write side unless
// `keep_open`, and reads until the server closes.
inline RawExchange raw_exchange(const std::string& path, const std::string& payload, bool keep_open = false,
                                int timeout_s = 20) {
  RawExchange r;
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    r.connect_errno = errno;
    return r;
  }
  timeval tv{timeout_s, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    r.connect_errno = errno;
    ::close(fd);
    return r;
  }
  for (size_t off = 0; off < payload.size();) {
    const ssize_t n = ::send(fd, payload.data() + off, payload.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EPIPE, ECONNRESET: the server stopped reading and answered
    off += static_cast<size_t>(n);
  }
  if (!keep_open) ::shutdown(fd, SHUT_WR);
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    r.answer.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return r;
}

// raw_exchange from a forked child that has become uid/gid (all three ids,
// no supplementary groups): a peer that is not root.
inline RawExchange raw_exchange_as(uid_t uid, gid_t gid, const std::string& path, const std::string& payload) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return RawExchange{errno, ""};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    if (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 || ::setresuid(uid, uid, uid) != 0 ||
        ::geteuid() != uid)
      ::_exit(3);
    const RawExchange r = raw_exchange(path, payload);
    const int32_t e = r.connect_errno;
    if (::write(p[1], &e, sizeof e) != sizeof e) ::_exit(4);
    for (size_t off = 0; off < r.answer.size();) {
      const ssize_t n = ::write(p[1], r.answer.data() + off, r.answer.size() - off);
      if (n <= 0) ::_exit(4);
      off += static_cast<size_t>(n);
    }
    ::_exit(0);
  }
  ::close(p[1]);
  std::string got;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) got.append(buf, static_cast<size_t>(n));
  ::close(p[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  RawExchange r;
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || got.size() < sizeof(int32_t)) {
    r.connect_errno = -1;  // the child could not become uid/gid, or died
    return r;
  }
  int32_t e = 0;
  std::memcpy(&e, got.data(), sizeof e);
  r.connect_errno = e;
  r.answer = got.substr(sizeof e);
  return r;
}

}  // namespace faultline::testing
