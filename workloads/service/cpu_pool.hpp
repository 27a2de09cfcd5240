// SPDX-License-Identifier: Apache-2.0
// Real CPU work. A request's `work` is burned on a pool thread, measured on
// that thread's own CPU clock (CLOCK_THREAD_CPUTIME_ID), not on the wall
// clock: under a cgroup CPU quota, or with more busy workers than cores, the
// burn takes longer in wall time while costing exactly its CPU time, which is
// what the experiment is after. The pool has one thread per worker slot (up
// to a cap), so busy workers share the CPU as threads of a thread-per-request
// server do (processor sharing by the kernel's scheduler), and the I/O
// thread stays free to accept, parse and shed.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <cstdint>

namespace faultline::workloads::service {

namespace asio = boost::asio;

// Burns CPU on the calling thread until its CPU clock has advanced by ns, or
// stop becomes true; returns the CPU time it used, in ns.
int64_t burn_cpu(int64_t ns, const std::atomic<bool>& stop);

class CpuPool {
 public:
  static constexpr unsigned kMaxThreads = 512;

  explicit CpuPool(unsigned threads);
  ~CpuPool();
  CpuPool(const CpuPool&) = delete;
  CpuPool& operator=(const CpuPool&) = delete;

  // Burns ns of CPU time on a pool thread; the awaiting coroutine resumes
  // on its own executor afterwards.
  asio::awaitable<void> burn(int64_t ns);

  // Cuts burns in progress short and joins the threads; burns not started
  // never run (their waiters are destroyed with the pool).
  void stop();

 private:
  std::atomic<bool> stopping_{false};
  asio::thread_pool pool_;
};

}  // namespace faultline::workloads::service
