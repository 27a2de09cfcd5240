// SPDX-License-Identifier: Apache-2.0
// Reading a topology file's text: bounded, and only from what a user can mean
// by a topology file. A regular file or a pipe (`validate <(gen.sh)`, a named
// FIFO) is read, at most kMaxTopologyBytes of it; "-" is standard input,
// whatever it is, with the same bound, and is named "<stdin>" in errors. A
// directory, a device or a socket is refused before it is opened: reading
// /dev/zero would never end, and opening some devices has side effects.
#pragma once

#include <cstddef>
#include <string>

#include "base/result.hpp"

namespace faultline::model {

// The largest topology file read. The largest shipped example is under 10 KiB;
// a generated topology of a thousand nodes stays well under 1 MiB.
inline constexpr size_t kMaxTopologyBytes = size_t{4} << 20;

// The path that means standard input, and how errors name it.
inline constexpr const char* kStdinPath = "-";
inline constexpr const char* kStdinName = "<stdin>";

struct TopologySource {
  std::string name;  // the path as given, or "<stdin>"
  std::string text;
};

// "<stdin>" for "-", else the path as given.
std::string source_name(const std::string& path);

// The whole text, or an error saying what the path is and what is allowed
// (the message does not repeat the path: the caller's diagnostic names it).
Result<TopologySource> read_topology_source(const std::string& path);

// At most `limit` bytes of fd until its end; more is an error naming the limit.
Result<std::string> read_bounded(int fd, size_t limit);

}  // namespace faultline::model
