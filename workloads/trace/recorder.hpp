// SPDX-License-Identifier: Apache-2.0
// A workload's request records: spans begin and end on any thread; GET
// /records drains the completed ones and lists the open ones (wire.hpp).
//
// Memory is bounded: at most `capacity` completed spans wait for a pull
// (the orchestrator pulls every tick); beyond that spans are dropped and
// counted, and the orchestrator's verdicts say so. A trace that is not
// sampled (its traceparent's flag, decided by the load generator) costs only
// its ids: its spans are counted, not stored.
//
// Cost: one mutex acquisition at a span's begin (linking it into the open
// list) and one at its end; no allocation once the buffer has grown. The
// bench (bench/workloads) measures a service with records on and off.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/trace/span.hpp"
#include "workloads/trace/trace_context.hpp"

namespace faultline::workloads::trace {

struct RecorderOptions {
  bool enabled = true;            // false: ids and headers only, nothing stored
  size_t capacity = size_t{1} << 18;  // completed spans held between pulls (16 MiB)
  uint64_t seed = 1;              // of the span and trace ids
};

class Recorder {
 public:
  explicit Recorder(RecorderOptions options = {});
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  bool enabled() const { return options_.enabled; }

  // The index of a name (an endpoint path, a "node:port" called). Register
  // every name before requests run: pulls read the table without the lock.
  uint16_t name(std::string_view s);

  // Never 0; unique within the process; reproducible from the seed.
  uint64_t new_span_id();
  // A new trace: a fresh trace id, no parent span.
  TraceContext new_trace(bool sampled);

  class Span;

  // The body of GET /records at now_ns: the completed spans since the last
  // call (then forgotten), the open ones, the names.
  std::string drain(int64_t now_ns);

  uint64_t recorded() const { return recorded_.load(std::memory_order_relaxed); }
  uint64_t dropped() const;

 private:
  friend class Span;
  void link(Span* s);
  void finish(Span* s);

  RecorderOptions options_;
  std::atomic<uint64_t> next_id_{0};
  std::vector<std::string> names_;
  mutable std::mutex mu_;
  std::vector<SpanRecord> done_;  // under mu_
  Span* open_ = nullptr;          // under mu_: a list threaded through the open spans
  uint64_t dropped_ = 0;          // under mu_
  std::atomic<uint64_t> unsampled_{0};
  std::atomic<uint64_t> recorded_{0};
};

// One span from begin() to end(). It does not move while open (it is linked
// into its recorder), so it lives where it began: a coroutine frame, a
// call's state. A span never begun, or not sampled, costs nothing at end().
class Recorder::Span {
 public:
  Span() = default;
  ~Span();  // an open span ends as cancelled; never throws
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  // Begins a child of `parent` (its trace id; parent.span_id its parent, 0
  // for a root). recorder null: ids only.
  void begin(Recorder* recorder, const TraceContext& parent, SpanKind kind, uint16_t name, int64_t start_ns,
             uint8_t attempt = 0, uint8_t flags = 0);
  void end(int64_t end_ns, SpanCause cause, uint16_t status = 0, uint8_t flags = 0);
  // Calls: how many attempts were made (set before end()).
  void set_attempts(uint8_t n) { rec_.attempt = n; }

  // The context its children and its outgoing header carry.
  TraceContext context() const { return {rec_.trace_hi, rec_.trace_lo, rec_.span_id, sampled_}; }
  uint64_t id() const { return rec_.span_id; }
  bool is_open() const { return linked_; }

 private:
  friend class Recorder;
  SpanRecord rec_;
  Recorder* owner_ = nullptr;
  bool sampled_ = false;
  bool linked_ = false;
  Span* prev_ = nullptr;
  Span* next_ = nullptr;
};

}  // namespace faultline::workloads::trace
