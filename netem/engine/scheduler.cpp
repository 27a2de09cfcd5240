// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/scheduler.hpp"

#include <algorithm>

namespace faultline::netem::engine {

namespace {
// std::push_heap builds a max-heap: "later" compares as smaller.
bool later(const QueuedPacket& x, const QueuedPacket& y) {
  if (x.due_ns != y.due_ns) return x.due_ns > y.due_ns;
  return x.order > y.order;
}
}  // namespace

void TimedQueue::configure(const Impairment& imp) {
  rate_bps_ = imp.rate_bps;
  overhead_ = imp.overhead_bytes;
  fifo_ = imp.rate_bps != 0 || imp.jitter_ns == 0;
  limit_packets_ = imp.limit_packets != 0 ? imp.limit_packets : default_limit_packets(imp);
  limit_bytes_ = imp.limit_bytes;
}

int64_t TimedQueue::serialisation_ns(uint32_t len) const {
  if (rate_bps_ == 0) return 0;
  const int64_t wire = std::max<int64_t>(static_cast<int64_t>(len) + overhead_, 0);
  // Rounded up: a frame never leaves before its last bit could have.
  const unsigned __int128 bits_ns = static_cast<unsigned __int128>(wire) * 8u * 1'000'000'000u;
  return static_cast<int64_t>((bits_ns + rate_bps_ - 1) / rate_bps_);
}

bool TimedQueue::enqueue(QueuedPacket& p, int64_t now_ns, int64_t delay_ns, bool reorder) {
  if (heap_.size() >= limit_packets_) return false;
  if (limit_bytes_ != 0 && bytes_ + p.len > limit_bytes_) return false;

  int64_t t = now_ns;
  if (rate_bps_ != 0) {
    next_free_ = std::max(now_ns, next_free_) + serialisation_ns(p.len);
    t = next_free_;
  }
  if (reorder) {
    p.due_ns = t;
  } else {
    p.due_ns = t + delay_ns;
    if (fifo_) p.due_ns = std::max(p.due_ns, last_due_);
    last_due_ = std::max(last_due_, p.due_ns);
  }
  p.order = next_order_++;
  heap_.push_back(p);
  std::push_heap(heap_.begin(), heap_.end(), later);
  bytes_ += p.len;
  max_packets_ = std::max<uint32_t>(max_packets_, static_cast<uint32_t>(heap_.size()));
  return true;
}

QueuedPacket TimedQueue::pop() {
  std::pop_heap(heap_.begin(), heap_.end(), later);
  QueuedPacket p = heap_.back();
  heap_.pop_back();
  bytes_ -= p.len;
  return p;
}

}  // namespace faultline::netem::engine
