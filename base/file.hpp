// SPDX-License-Identifier: Apache-2.0
// Reading a whole file: the one reader every part uses (cgroup and /proc
// files, a results folder, configurations). Writing one in a single step is
// atomic_file.hpp's write_file_atomic.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace faultline {

// The whole file. The error keeps the errno of the failed open or read, so
// callers can tell "absent" (ENOENT) from "unreadable"; a file longer than
// max_bytes is EFBIG (read no further).
inline Result<std::string> read_file(const std::string& path, size_t max_bytes = SIZE_MAX) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return sys_error("open " + path);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read " + path);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) return sys_error(EFBIG, "read " + path);
  }
  return out;
}

}  // namespace faultline
