// SPDX-License-Identifier: Apache-2.0
// --trace FILE: one line per decision, for determinism checks and debugging:
//   <name> <dir> <seq> <verdict> <delay_ns>
// dir is a->b, b->a, or "seg" for a segment's bottleneck; seq counts frames
// within that pipe from 0; verdict is pass, drop-loss, drop-queue,
// drop-oversize, or a '+'-joined set of dup, corrupt, reorder; a duplicate's
// copy gets its own line with verdict copy, copy+corrupt, copy:drop-loss,
// copy:drop-queue... delay_ns is the sampled delay (0 when dropped).
// Lines of different pipes interleave in arrival order.
#pragma once

#include <cstdio>
#include <string>

#include "base/result.hpp"

namespace faultline::netem::engine {

class TraceWriter {
 public:
  static Result<TraceWriter> open(const std::string& path);

  TraceWriter() = default;
  TraceWriter(TraceWriter&& o) noexcept : f_(o.f_) { o.f_ = nullptr; }
  TraceWriter& operator=(TraceWriter&& o) noexcept {
    if (this != &o) {
      close();
      f_ = o.f_;
      o.f_ = nullptr;
    }
    return *this;
  }
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;
  ~TraceWriter() { close(); }

  bool enabled() const { return f_ != nullptr; }
  void record(const std::string& name, const char* dir, uint64_t seq, const char* verdict, int64_t delay_ns) {
    std::fprintf(f_, "%s %s %llu %s %lld\n", name.c_str(), dir, static_cast<unsigned long long>(seq), verdict,
                 static_cast<long long>(delay_ns));
  }
  void flush() {
    if (f_) std::fflush(f_);
  }

 private:
  void close() noexcept {
    if (f_) std::fclose(f_);
    f_ = nullptr;
  }
  std::FILE* f_ = nullptr;
};

}  // namespace faultline::netem::engine
