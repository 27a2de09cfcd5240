// SPDX-License-Identifier: Apache-2.0
#include "workloads/service/cpu_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <ctime>

namespace faultline::workloads::service {

namespace {

int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

int64_t burn_cpu(int64_t ns, const std::atomic<bool>& stop) {
  const int64_t start = thread_cpu_ns();
  int64_t used = 0;
  // A dependent chain of multiplies (user-mode work a compiler cannot fold)
  // between clock reads: about a microsecond each, so the overshoot is small
  // and most of the time is spent in user mode, not in clock_gettime.
  uint64_t x = 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(ns);
  while (used < ns && !stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 512; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
    // Tells the compiler x is used, so the chain is computed, not folded.
    asm volatile("" : "+r"(x));
    used = thread_cpu_ns() - start;
  }
  return used;
}

CpuPool::CpuPool(unsigned threads) : pool_(std::clamp(threads, 1u, kMaxThreads)) {}

CpuPool::~CpuPool() { stop(); }

asio::awaitable<void> CpuPool::burn(int64_t ns) {
  co_await asio::co_spawn(
      pool_,
      [this, ns]() -> asio::awaitable<void> {
        burn_cpu(ns, stopping_);
        co_return;
      },
      asio::use_awaitable);
}

void CpuPool::stop() {
  stopping_ = true;
  pool_.stop();
  pool_.join();
}

}  // namespace faultline::workloads::service
