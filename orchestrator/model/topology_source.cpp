// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/model/topology_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/fd.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::model {

namespace {

std::string too_large() {
  return "the topology is larger than " + units::format_bytes_short(kMaxTopologyBytes) + " (" +
         std::to_string(kMaxTopologyBytes) + " bytes), the limit for a topology file";
}

// What a file of this type is, for the refusal; nullptr when it may be read.
const char* refused_kind(mode_t mode) {
  if (S_ISREG(mode) || S_ISFIFO(mode)) return nullptr;
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

Error refused(const char* kind) {
  return logic_error("cannot read the topology: it is " + std::string(kind) +
                     "; give a TOML file, a pipe, or - for standard input");
}

}  // namespace

std::string source_name(const std::string& path) { return path == kStdinPath ? kStdinName : path; }

Result<std::string> read_bounded(int fd, size_t limit) {
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {  // a non-blocking pipe handed down as stdin
        pollfd p{fd, POLLIN, 0};
        (void)::poll(&p, 1, -1);
        continue;
      }
      if (errno == EISDIR) return refused("a directory");
      return sys_error("cannot read the topology");
    }
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > limit) return logic_error(too_large());
    out.append(buf, static_cast<size_t>(n));
  }
}

Result<TopologySource> read_topology_source(const std::string& path) {
  TopologySource src{source_name(path), {}};
  if (path == kStdinPath) {
    // Standard input is whatever the user redirected or piped in; only its
    // size is bounded (`validate - < /dev/zero` ends at the limit).
    auto text = read_bounded(STDIN_FILENO, kMaxTopologyBytes);
    if (!text.ok()) return text.error();
    src.text = std::move(text.value());
    return src;
  }
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return sys_error("cannot open the topology file");
  if (const char* kind = refused_kind(st.st_mode)) return refused(kind);
  if (S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) > kMaxTopologyBytes) return logic_error(too_large());
  // A FIFO blocks here until a writer opens it, as `cat` would.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return sys_error("cannot open the topology file");
  // The path may have been replaced between stat and open.
  if (::fstat(fd.get(), &st) != 0) return sys_error("cannot read the topology file");
  if (const char* kind = refused_kind(st.st_mode)) return refused(kind);
  auto text = read_bounded(fd.get(), kMaxTopologyBytes);
  if (!text.ok()) return text.error();
  src.text = std::move(text.value());
  return src;
}

}  // namespace faultline::model
