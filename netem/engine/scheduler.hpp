// SPDX-License-Identifier: Apache-2.0
// One pipe's queue, ordered by due time (netem's tfifo). It owns the rate
// serialisation clock and the queue limits; time is always passed in, so the
// arithmetic is testable without a clock.
//
// Model: a packet first waits for the bottleneck (rate), then travels for its
// sampled delay: due = max(now, next_free) + serialisation + delay.
// Ordering:
//   - rate set, or no jitter: packets leave in arrival order (a delay lowered
//     live does not let new packets overtake queued ones);
//   - jitter without rate: due-time order, so jitter may reorder (netem);
//   - reordered packets (Decision::reorder) skip the propagation delay and
//     overtake everything queued.
#pragma once

#include <cstdint>
#include <vector>

#include "netem/impairment.hpp"

namespace faultline::netem::engine {

struct QueuedPacket {
  int64_t due_ns = 0;
  uint64_t order = 0;    // arrival order: breaks ties between equal due times
  uint32_t slot = 0;     // buffer in the PacketPool
  uint32_t len = 0;      // frame bytes (what rate and byte limits count)
  int32_t out_port = -1; // segment: egress port, or -1 to flood
  int32_t in_port = -1;  // segment: ingress port (never flooded back to)
};

class TimedQueue {
 public:
  // Takes rate, overhead and limits from imp; queued packets are untouched.
  void configure(const Impairment& imp);

  // Serialisation time of a frame of len bytes at the configured rate.
  int64_t serialisation_ns(uint32_t len) const;

  // Admits the packet (filling p.due_ns and p.order) unless the queue is at
  // its packet or byte limit: tail drop, returns false.
  bool enqueue(QueuedPacket& p, int64_t now_ns, int64_t delay_ns, bool reorder);

  bool empty() const { return heap_.empty(); }
  int64_t head_due() const { return heap_.front().due_ns; }
  QueuedPacket pop();

  uint32_t packets() const { return static_cast<uint32_t>(heap_.size()); }
  uint64_t bytes() const { return bytes_; }
  uint32_t max_packets() const { return max_packets_; }
  uint32_t limit_packets() const { return limit_packets_; }
  uint64_t limit_bytes() const { return limit_bytes_; }
  int64_t next_free_ns() const { return next_free_; }

 private:
  std::vector<QueuedPacket> heap_;  // min-heap on (due_ns, order)
  uint64_t bytes_ = 0;
  uint32_t max_packets_ = 0;
  uint64_t next_order_ = 0;

  uint64_t rate_bps_ = 0;
  int32_t overhead_ = 0;
  bool fifo_ = true;
  uint32_t limit_packets_ = 1000;
  uint64_t limit_bytes_ = 0;
  int64_t next_free_ = 0;  // when the bottleneck is free again
  int64_t last_due_ = 0;   // latest due time handed out (FIFO clamp)
};

}  // namespace faultline::netem::engine
