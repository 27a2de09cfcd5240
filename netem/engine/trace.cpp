// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/trace.hpp"

namespace faultline::netem::engine {

Result<TraceWriter> TraceWriter::open(const std::string& path) {
  TraceWriter t;
  t.f_ = std::fopen(path.c_str(), "we");
  if (!t.f_) return sys_error("open trace file " + path);
  // Large buffer: one write per ~1 MiB of trace keeps tracing off the fast path.
  std::setvbuf(t.f_, nullptr, _IOFBF, 1 << 20);
  return t;
}

}  // namespace faultline::netem::engine
