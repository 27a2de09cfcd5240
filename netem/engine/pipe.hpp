// SPDX-License-Identifier: Apache-2.0
// A pipe is one impairment pipeline: one direction of a link, or the single
// shared bottleneck of a segment. It owns its generator, its decision state,
// its queue and its counters; nothing in it is shared with another pipe.
#pragma once

#include <cstdint>
#include <string>

#include "netem/engine/impairment_model.hpp"
#include "netem/engine/rng.hpp"
#include "netem/engine/scheduler.hpp"

namespace faultline::netem::engine {

struct PipeCounters {
  uint64_t rx_packets = 0, rx_bytes = 0;
  uint64_t tx_packets = 0, tx_bytes = 0;
  uint64_t dropped_loss = 0;
  uint64_t dropped_queue = 0;     // queue limit (tail drop) or packet pool exhausted
  uint64_t dropped_oversize = 0;  // larger than a ring frame: a GSO frame (offloads on)
  uint64_t duplicated = 0, corrupted = 0, reordered = 0;
};

struct Pipe {
  std::string name;       // link or segment name
  const char* dir = "";   // "a->b", "b->a", or "seg"
  int32_t out_port = -1;  // link direction: where its frames leave
  int32_t segment = -1;   // segment bottleneck: index of the segment
  Rng rng;
  ImpairmentModel model;
  TimedQueue queue;
  PipeCounters c;
  uint64_t seq = 0;       // frames offered to this pipe so far

  void set(const Impairment& imp) {
    model.set(imp);
    queue.configure(imp);
  }
};

}  // namespace faultline::netem::engine
