// SPDX-License-Identifier: Apache-2.0
// Admission: the bounded queue of requests waiting for a worker.
//  - full: a new request is shed at once (kQueueFull, a 503);
//  - queueing delay bound (max_queue_delay_ns > 0): an entry that waited
//    longer than the bound is shed when it would be served or swept
//    (kQueueDelay) — a simple, fixed-bound cousin of CoDel (Nichols and
//    Jacobson, "Controlling Queue Delay", ACM Queue 2012), which sheds by
//    sojourn time rather than by length;
//  - abandoned (drop_abandoned): an entry whose caller's deadline has passed
//    is skipped rather than served (kAbandoned): nobody waits for its answer.
// FIFO serves the oldest first; LIFO the newest, which keeps latency low for
// most requests under overload (Facebook's "adaptive LIFO", Maurer, "Fail at
// Scale", ACM Queue 2015) while the old ones age out through the delay bound.
//
// Shed entries are handed back through a callback so the caller can answer
// them; the queue never drops a request silently. Storage is a ring that
// doubles while it fills, up to the capacity, and never shrinks: once warm,
// no allocation per request, and a large configured capacity costs memory
// only when the backlog really builds up.
// Not synchronised: one owner uses it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "workloads/spec/types.hpp"

namespace faultline::workloads::policy {

enum class Shed : uint8_t { kQueueFull = 0, kQueueDelay = 1, kAbandoned = 2 };
inline constexpr size_t kShedReasons = 3;

// The faultline_shed_total{reason} label.
inline const char* to_string(Shed s) {
  switch (s) {
    case Shed::kQueueFull: return "queue_full";
    case Shed::kQueueDelay: return "queue_delay";
    case Shed::kAbandoned: return "abandoned";
  }
  return "unknown";
}

struct AdmissionConfig {
  uint32_t capacity = 128;
  bool lifo = false;
  int64_t max_queue_delay_ns = 0;  // 0: no delay bound
  bool drop_abandoned = true;
};

inline AdmissionConfig admission_config(const spec::Service& s) {
  return AdmissionConfig{s.queue, s.lifo, s.max_queue_delay_ns, s.drop_abandoned};
}

struct AdmissionCounters {
  uint64_t pushed = 0;  // accepted into the queue
  uint64_t popped = 0;  // handed to a worker
  std::array<uint64_t, kShedReasons> shed{};  // indexed by Shed
  uint64_t shed_total() const { return shed[0] + shed[1] + shed[2]; }
};

template <class T>
class AdmissionQueue {
 public:
  struct Entry {
    T item;
    int64_t enqueued_ns = 0;
    std::optional<int64_t> deadline_ns;  // the caller's absolute deadline
  };

  explicit AdmissionQueue(AdmissionConfig config)
      : cfg_(config), ring_(std::min<uint32_t>(config.capacity, kInitialSlots)) {}

  // Queues item; on kQueueFull the item is left untouched (not moved from)
  // so the caller can answer it. Entries already past the delay bound are
  // shed first (through on_shed), so they do not take a live request's place.
  template <class OnShed>
  [[nodiscard]] std::optional<Shed> push(T&& item, int64_t now_ns, std::optional<int64_t> deadline_ns,
                                         OnShed&& on_shed) {
    if (size_ == cfg_.capacity) expire(now_ns, on_shed);
    if (size_ == cfg_.capacity) {
      ++counters_.shed[static_cast<size_t>(Shed::kQueueFull)];
      return Shed::kQueueFull;
    }
    if (size_ == ring_.size()) grow();
    ring_[slot(size_)].emplace(Entry{std::move(item), now_ns, deadline_ns});
    ++size_;
    ++counters_.pushed;
    return std::nullopt;
  }

  // The next entry to serve (FIFO: oldest, LIFO: newest), or nullopt when
  // none is left. Entries found past the delay bound or abandoned are
  // handed to on_shed(T&&, Shed) on the way.
  template <class OnShed>
  std::optional<Entry> pop(int64_t now_ns, OnShed&& on_shed) {
    expire(now_ns, on_shed);
    while (size_ > 0) {
      Entry e = cfg_.lifo ? take_back() : take_front();
      if (const auto why = reject(e, now_ns)) {
        shed(std::move(e), *why, on_shed);
        continue;
      }
      ++counters_.popped;
      return e;
    }
    return std::nullopt;
  }

  // Sheds the entries past the delay bound now; abandoned ones too when
  // drop_abandoned. For a periodic sweep, so that a request that will never
  // be served is answered promptly rather than when a worker frees up.
  template <class OnShed>
  void sweep(int64_t now_ns, OnShed&& on_shed) {
    expire(now_ns, on_shed);
    if (!cfg_.drop_abandoned || size_ == 0) return;
    // Compact in place, keeping order.
    uint32_t kept = 0;
    const uint32_t n = size_;
    for (uint32_t i = 0; i < n; ++i) {
      auto& cur = ring_[slot(i)];
      if (abandoned(*cur, now_ns)) {
        Entry e = std::move(*cur);
        cur.reset();
        shed(std::move(e), Shed::kAbandoned, on_shed);
      } else {
        if (kept != i) {
          ring_[slot(kept)] = std::move(cur);
          cur.reset();
        }
        ++kept;
      }
    }
    size_ = kept;
  }

  uint32_t depth() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Queueing delay so far of the oldest entry (0 when empty).
  int64_t oldest_delay_ns(int64_t now_ns) const { return size_ ? now_ns - ring_[head_]->enqueued_ns : 0; }
  const AdmissionConfig& config() const { return cfg_; }
  const AdmissionCounters& counters() const { return counters_; }

 private:
  static constexpr uint32_t kInitialSlots = 64;

  // The ring index of the i-th live entry from the oldest.
  size_t slot(uint32_t i) const { return (head_ + i) % ring_.size(); }

  // Doubles the ring (up to the capacity), oldest entry first at index 0.
  void grow() {
    const size_t n = std::min<size_t>(cfg_.capacity, std::max<size_t>(1, ring_.size() * 2));
    std::vector<std::optional<Entry>> bigger(n);
    for (uint32_t i = 0; i < size_; ++i) bigger[i] = std::move(ring_[slot(i)]);
    ring_ = std::move(bigger);
    head_ = 0;
  }

  bool too_old(const Entry& e, int64_t now_ns) const {
    return cfg_.max_queue_delay_ns > 0 && now_ns - e.enqueued_ns > cfg_.max_queue_delay_ns;
  }
  bool abandoned(const Entry& e, int64_t now_ns) const {
    return cfg_.drop_abandoned && e.deadline_ns && *e.deadline_ns <= now_ns;
  }
  std::optional<Shed> reject(const Entry& e, int64_t now_ns) const {
    if (too_old(e, now_ns)) return Shed::kQueueDelay;
    if (abandoned(e, now_ns)) return Shed::kAbandoned;
    return std::nullopt;
  }

  // The oldest entries sit at the front: shed from there while past the bound.
  template <class OnShed>
  void expire(int64_t now_ns, OnShed& on_shed) {
    while (size_ > 0 && too_old(*ring_[head_], now_ns)) shed(take_front(), Shed::kQueueDelay, on_shed);
  }

  template <class OnShed>
  void shed(Entry&& e, Shed why, OnShed& on_shed) {
    ++counters_.shed[static_cast<size_t>(why)];
    on_shed(std::move(e.item), why);
  }

  Entry take_front() {
    auto& first = ring_[head_];
    Entry e = std::move(*first);
    first.reset();
    head_ = static_cast<uint32_t>((head_ + 1) % ring_.size());
    --size_;
    return e;
  }
  Entry take_back() {
    auto& last = ring_[slot(size_ - 1)];
    Entry e = std::move(*last);
    last.reset();
    --size_;
    return e;
  }

  AdmissionConfig cfg_;
  std::vector<std::optional<Entry>> ring_;  // live entries from head_, size_ of them, wrapping
  uint32_t head_ = 0;
  uint32_t size_ = 0;
  AdmissionCounters counters_;
};

}  // namespace faultline::workloads::policy
