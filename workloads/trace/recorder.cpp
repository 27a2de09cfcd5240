// SPDX-License-Identifier: Apache-2.0
#include "workloads/trace/recorder.hpp"

#include <algorithm>
#include <ctime>

#include "base/random_core.hpp"
#include "workloads/trace/wire.hpp"

namespace faultline::workloads::trace {

Recorder::Recorder(RecorderOptions options) : options_(options) {
  if (options_.enabled) done_.reserve(std::min<size_t>(options_.capacity, 4096));
}

uint16_t Recorder::name(std::string_view s) {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == s) return static_cast<uint16_t>(i);
  names_.emplace_back(s);
  return static_cast<uint16_t>(names_.size() - 1);
}

uint64_t Recorder::new_span_id() {
  // splitmix64 of seed-derived counters: distinct for every counter value
  // (splitmix64's output function is a bijection), so ids never repeat.
  for (;;) {
    uint64_t state = options_.seed * 0x9e3779b97f4a7c15ULL + next_id_.fetch_add(1, std::memory_order_relaxed);
    const uint64_t id = splitmix64(state);
    if (id != 0) return id;
  }
}

TraceContext Recorder::new_trace(bool sampled) {
  TraceContext c;
  c.trace_hi = new_span_id();
  c.trace_lo = new_span_id();
  c.span_id = 0;
  c.sampled = sampled;
  return c;
}

void Recorder::link(Span* s) {
  std::lock_guard lock(mu_);
  s->next_ = open_;
  s->prev_ = nullptr;
  if (open_) open_->prev_ = s;
  open_ = s;
  s->linked_ = true;
}

void Recorder::finish(Span* s) {
  std::lock_guard lock(mu_);
  (s->prev_ ? s->prev_->next_ : open_) = s->next_;
  if (s->next_) s->next_->prev_ = s->prev_;
  s->linked_ = false;
  if (done_.size() >= options_.capacity) {
    ++dropped_;
    return;
  }
  done_.push_back(s->rec_);
  recorded_.fetch_add(1, std::memory_order_relaxed);
}

uint64_t Recorder::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

std::string Recorder::drain(int64_t now_ns) {
  std::vector<SpanRecord> done, open;
  uint64_t dropped;
  {
    std::lock_guard lock(mu_);
    done.swap(done_);
    done_.reserve(std::min<size_t>(options_.capacity, std::max<size_t>(done.size(), 4096)));
    for (const Span* s = open_; s; s = s->next_) {
      SpanRecord r = s->rec_;
      r.end_ns = now_ns;
      r.flags |= kFlagOpen;
      open.push_back(r);
    }
    dropped = dropped_;
  }
  std::string out;
  encode(names_, done.data(), done.size(), open.data(), open.size(), dropped,
         unsampled_.load(std::memory_order_relaxed), now_ns, out);
  return out;
}

void Recorder::Span::begin(Recorder* recorder, const TraceContext& parent, SpanKind kind, uint16_t name,
                           int64_t start_ns, uint8_t attempt, uint8_t flags) {
  rec_ = SpanRecord{};
  rec_.trace_hi = parent.trace_hi;
  rec_.trace_lo = parent.trace_lo;
  rec_.parent_id = parent.span_id;
  rec_.start_ns = start_ns;
  rec_.kind = kind;
  rec_.name = name;
  rec_.attempt = attempt;
  rec_.flags = flags;
  sampled_ = parent.sampled;
  owner_ = recorder;
  if (!recorder) {
    // Ids only: a process without records still passes trace context on.
    static std::atomic<uint64_t> counter{0};
    uint64_t state = counter.fetch_add(1, std::memory_order_relaxed);
    rec_.span_id = splitmix64(state) | 1;
    return;
  }
  rec_.span_id = recorder->new_span_id();
  if (!recorder->enabled()) return;
  if (!sampled_) {
    recorder->unsampled_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  recorder->link(this);
}

void Recorder::Span::end(int64_t end_ns, SpanCause cause, uint16_t status, uint8_t flags) {
  if (!linked_) return;
  rec_.end_ns = end_ns;
  rec_.cause = cause;
  rec_.status = status;
  rec_.flags |= flags;
  owner_->finish(this);
}

Recorder::Span::~Span() {
  if (linked_) {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);  // the clock every span uses
    rec_.end_ns = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    rec_.cause = SpanCause::kCancelled;
    owner_->finish(this);
  }
}

}  // namespace faultline::workloads::trace
