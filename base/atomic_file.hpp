// SPDX-License-Identifier: Apache-2.0
// Replaces a file in one step: the content goes to a temporary file beside it,
// which is renamed over the target only once everything was written and
// closed. A reader (a browser on report.html, a workload reading its
// configuration, a tool watching summary.json) sees the old file or the new
// one, never half of one; on any error the target is untouched and the
// temporary file is gone.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <string_view>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace faultline {

inline Status write_file_atomic(const std::string& path, std::string_view content) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string tmp = dir + "." + path.substr(slash == std::string::npos ? 0 : slash + 1) + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return sys_error("create " + tmp);
  Status st;
  for (size_t off = 0; off < content.size() && st.ok();) {
    const ssize_t n = ::write(fd.get(), content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) st = sys_error("write " + tmp);
    else off += static_cast<size_t>(n);
  }
  // A deferred write error (a full disk) can surface only at close.
  if (st.ok() && ::close(fd.release()) != 0) st = sys_error("close " + tmp);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) st = sys_error("rename " + tmp + " to " + path);
  if (!st.ok()) ::unlink(tmp.c_str());
  return st;
}

}  // namespace faultline
