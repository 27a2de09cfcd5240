// SPDX-License-Identifier: Apache-2.0
#include "workloads/service/worker_gate.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <chrono>
#include <vector>

namespace faultline::workloads::service {

namespace {

// How often a non-empty queue is swept: a quarter of the delay bound (so an
// entry is shed at most ~25% past it), between 1 and 50 ms; 5 ms when only
// abandoned entries are looked for. 0: nothing to sweep for.
int64_t sweep_period(const policy::AdmissionConfig& c) {
  int64_t p = 0;
  if (c.max_queue_delay_ns > 0) p = std::clamp<int64_t>(c.max_queue_delay_ns / 4, 1'000'000, 50'000'000);
  if (c.drop_abandoned) p = p ? std::min<int64_t>(p, 5'000'000) : 5'000'000;
  return p;
}

}  // namespace

WorkerSlot& WorkerSlot::operator=(WorkerSlot&& o) noexcept {
  if (this != &o) {
    if (gate_) gate_->release();
    gate_ = std::exchange(o.gate_, nullptr);
  }
  return *this;
}

WorkerSlot::~WorkerSlot() {
  if (gate_) gate_->release();
}

WorkerGate::WorkerGate(asio::any_io_executor ex, uint32_t workers, policy::AdmissionConfig config,
                       const policy::Clock& clock, std::function<void(uint32_t)> on_depth)
    : ex_(ex),
      workers_(std::max<uint32_t>(workers, 1)),
      clock_(clock),
      on_depth_(std::move(on_depth)),
      sweep_period_ns_(sweep_period(config)),
      queue_(config),
      sweep_timer_(ex) {}

std::optional<WorkerSlot> WorkerGate::try_acquire() {
  std::lock_guard lock(mu_);
  if (closed_ || busy_ >= workers_ || !queue_.empty()) return std::nullopt;
  ++busy_;
  return WorkerSlot(this);
}

asio::awaitable<Admission> WorkerGate::wait(std::optional<int64_t> deadline_ns) {
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Admission)>(
      [this, deadline_ns](auto handler) {
        asio::any_io_executor ex = asio::get_associated_executor(handler, ex_);
        enqueue(Waiter{std::move(handler), std::move(ex)}, deadline_ns);
      },
      asio::use_awaitable);
}

void WorkerGate::enqueue(Waiter w, std::optional<int64_t> deadline_ns) {
  std::vector<std::pair<Waiter, policy::Shed>> shed;
  auto collect = [&shed](Waiter&& x, policy::Shed why) { shed.emplace_back(std::move(x), why); };
  std::optional<Admission> now_answer;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;  // shutting down: the waiter is dropped with this frame
    if (busy_ < workers_ && queue_.empty()) {
      ++busy_;
      now_answer.emplace(Admission{WorkerSlot(this), std::nullopt, 0});
    } else if (auto full = queue_.push(std::move(w), clock_.now_ns(), deadline_ns, collect)) {
      now_answer.emplace(Admission{WorkerSlot(), *full, 0});
    } else {
      start_sweeping_locked();
    }
    if (on_depth_) on_depth_(queue_.depth());
  }
  // push() leaves w untouched when it sheds it, and moves it otherwise.
  if (now_answer) complete(std::move(w), std::move(*now_answer));
  for (auto& [x, why] : shed) complete(std::move(x), Admission{WorkerSlot(), why, 0});
}

void WorkerGate::release() noexcept {
  std::vector<std::pair<Waiter, policy::Shed>> shed;
  auto collect = [&shed](Waiter&& x, policy::Shed why) { shed.emplace_back(std::move(x), why); };
  std::optional<Queue::Entry> next;
  int64_t now = 0;
  {
    std::lock_guard lock(mu_);
    if (closed_) {
      --busy_;
      return;
    }
    now = clock_.now_ns();
    next = queue_.pop(now, collect);
    // The slot passes to the next request as it is: busy_ stays.
    if (!next) --busy_;
    if (on_depth_) on_depth_(queue_.depth());
  }
  if (next) complete(std::move(next->item), Admission{WorkerSlot(this), std::nullopt, now - next->enqueued_ns});
  for (auto& [x, why] : shed) complete(std::move(x), Admission{WorkerSlot(), why, 0});
}

void WorkerGate::start_sweeping_locked() {
  if (sweeping_ || sweep_period_ns_ == 0) return;
  sweeping_ = true;
  asio::co_spawn(ex_, sweep_loop(), asio::detached);
}

asio::awaitable<void> WorkerGate::sweep_loop() {
  for (;;) {
    sweep_timer_.expires_after(std::chrono::nanoseconds(sweep_period_ns_));
    co_await sweep_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    std::vector<std::pair<Waiter, policy::Shed>> shed;
    bool done = false;
    {
      std::lock_guard lock(mu_);
      if (closed_) co_return;
      queue_.sweep(clock_.now_ns(), [&shed](Waiter&& x, policy::Shed why) { shed.emplace_back(std::move(x), why); });
      if (on_depth_) on_depth_(queue_.depth());
      if (queue_.empty()) {
        sweeping_ = false;
        done = true;
      }
    }
    for (auto& [x, why] : shed) complete(std::move(x), Admission{WorkerSlot(), why, 0});
    if (done) co_return;
  }
}

void WorkerGate::close() {
  std::vector<Waiter> dropped;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    // pop() hands out every entry in turn, and those past a bound on the way.
    auto keep = [&dropped](Waiter&& x, policy::Shed) { dropped.push_back(std::move(x)); };
    const int64_t now = clock_.now_ns();
    while (auto e = queue_.pop(now, keep)) dropped.push_back(std::move(e->item));
  }
  // Destroyed, not completed, outside the lock: destroying a waiter hands
  // its coroutine to the executor to be unwound, and the io_context destroys
  // it with its other pending handlers.
}

void WorkerGate::complete(Waiter w, Admission a) {
  // Posted, not called: the waiter resumes on its own executor, never inside
  // the releasing request's call stack.
  const auto ex = w.ex;
  asio::post(ex, [h = std::move(w.handler), a = std::move(a)]() mutable { std::move(h)(std::move(a)); });
}

uint32_t WorkerGate::busy() const {
  std::lock_guard lock(mu_);
  return busy_;
}

uint32_t WorkerGate::depth() const {
  std::lock_guard lock(mu_);
  return queue_.depth();
}

}  // namespace faultline::workloads::service
