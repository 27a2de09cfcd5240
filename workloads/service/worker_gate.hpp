// SPDX-License-Identifier: Apache-2.0
// Admission to the service's workers. A request holds one of `workers` slots
// for its whole service (CPU, waiting, downstream calls), as a request holds
// a thread in a thread-per-request server: that is how a slow downstream
// exhausts the pool and the pressure travels upstream. When every slot is
// taken the request waits in the policy's AdmissionQueue (FIFO or LIFO,
// bounded, shedding by queue length, queueing delay and abandoned deadlines).
//
// A finished request's slot goes straight to the next queued request (no
// slot is free while anyone waits, so a newcomer cannot overtake the queue).
// While the queue is not empty a sweep timer sheds entries past the delay
// bound and abandoned ones, so that they are answered promptly rather than
// when a slot frees up (which may take as long as the slowest downstream).
//
// Thread safety: every member may be called from any thread (a mutex guards
// the counts and the queue); waiters are resumed on their own executors.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>

#include "workloads/policy/admission.hpp"
#include "workloads/policy/clock.hpp"

namespace faultline::workloads::service {

namespace asio = boost::asio;

class WorkerGate;

// One worker slot, given back to the gate when destroyed.
class WorkerSlot {
 public:
  WorkerSlot() = default;
  WorkerSlot(WorkerSlot&& o) noexcept : gate_(std::exchange(o.gate_, nullptr)) {}
  WorkerSlot& operator=(WorkerSlot&& o) noexcept;
  WorkerSlot(const WorkerSlot&) = delete;
  WorkerSlot& operator=(const WorkerSlot&) = delete;
  ~WorkerSlot();
  explicit operator bool() const { return gate_ != nullptr; }

 private:
  friend class WorkerGate;
  explicit WorkerSlot(WorkerGate* gate) : gate_(gate) {}
  WorkerGate* gate_ = nullptr;
};

// The end of a wait in the queue: a slot, or the reason the request was shed.
struct Admission {
  WorkerSlot slot;                   // empty when shed
  std::optional<policy::Shed> shed;  // set when shed
  int64_t queued_ns = 0;             // time spent in the queue
};

class WorkerGate {
 public:
  // on_depth is told the queue depth after every change (a gauge); it is
  // called with the gate's lock held, so it must be quick and not call back.
  WorkerGate(asio::any_io_executor ex, uint32_t workers, policy::AdmissionConfig config,
             const policy::Clock& clock, std::function<void(uint32_t)> on_depth = {});
  WorkerGate(const WorkerGate&) = delete;
  WorkerGate& operator=(const WorkerGate&) = delete;

  // A free slot at once, if there is one and nobody is queued: the fast path,
  // no allocation, no suspension.
  std::optional<WorkerSlot> try_acquire();

  // Queues the request (with its caller's absolute deadline, if any) until a
  // slot is handed to it or it is shed; shed at once when the queue is full.
  // A slot freed since try_acquire() failed is taken at once.
  asio::awaitable<Admission> wait(std::optional<int64_t> deadline_ns);

  // For shutdown, once the executor no longer runs: queued requests are
  // dropped (their coroutines destroyed) and slots given back later are
  // only counted.
  void close();

  uint32_t busy() const;
  uint32_t depth() const;

 private:
  friend class WorkerSlot;
  // A queued request: its completion handler and the executor to resume it
  // on (an any_completion_handler's own executor type cannot be posted to).
  struct Waiter {
    asio::any_completion_handler<void(Admission)> handler;
    asio::any_io_executor ex;
  };
  using Queue = policy::AdmissionQueue<Waiter>;

  void enqueue(Waiter w, std::optional<int64_t> deadline_ns);
  void release() noexcept;
  void start_sweeping_locked();
  asio::awaitable<void> sweep_loop();
  static void complete(Waiter w, Admission a);

  asio::any_io_executor ex_;
  const uint32_t workers_;
  const policy::Clock& clock_;
  std::function<void(uint32_t)> on_depth_;
  const int64_t sweep_period_ns_;  // 0: no sweeping (no delay bound, abandoned work kept)
  mutable std::mutex mu_;
  uint32_t busy_ = 0;
  bool closed_ = false;
  bool sweeping_ = false;
  Queue queue_;
  asio::steady_timer sweep_timer_;
};

}  // namespace faultline::workloads::service
