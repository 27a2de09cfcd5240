// SPDX-License-Identifier: Apache-2.0
// Who is on the other end of a Unix socket, and whether they may use a
// control socket (the run owner's, the link engine's). The socket file's mode
// is one guard; the peer's credentials, checked on accept, are the other, so
// that a socket whose mode was loosened still answers no one else.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <optional>

namespace faultline {

// The effective uid the peer had when it connected (SO_PEERCRED).
inline std::optional<uid_t> peer_uid(int fd) {
  ucred c{};
  socklen_t len = sizeof c;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &len) != 0) return std::nullopt;
  return c.uid;
}

// Root, or the server's own user: a server not running as root has nothing a
// peer of its own uid could not take anyway (it could ptrace it). Root
// servers, the only ones in a run, answer root alone.
inline bool control_peer_allowed(uid_t peer, uid_t self) { return peer == 0 || peer == self; }

}  // namespace faultline
