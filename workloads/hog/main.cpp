// SPDX-License-Identifier: Apache-2.0
// faultline-hog: pressure on a node from inside it. The orchestrator starts it
// in the node's cgroup and namespaces, so the node's own limits act on it for
// real: a CPU hog competes for the node's quota, a memory hog is charged to the
// node's memory limit and OOM-killed like any process there. It runs until it
// is killed (by its verified pid, when the fault reverts).
//
//   faultline-hog --cpu CORES [--ramp-ms N]     burn CORES cores (1.5: one thread
//                                               flat out, one at a 50% duty cycle)
//   faultline-hog --memory BYTES [--ramp-ms N]  allocate, touch and hold BYTES
//   faultline-hog --squeeze                     touch fresh pages in a loop, so that
//                                               a v1 memory limit pinned at usage
//                                               makes the kernel OOM-kill as v2 does
//
// With --ramp-ms the hog grows linearly from nothing to its size over N ms.
#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

namespace {

using Clock = std::chrono::steady_clock;

// The duty-cycle period: short against CFS's 100 ms period, so a fractional
// hog spreads evenly over it instead of bursting into throttling.
constexpr auto kPeriod = std::chrono::milliseconds(10);
constexpr size_t kPage = 4096;

// How far along the ramp the hog is at `now`: 0 at start, 1 once grown.
double ramp_fraction(Clock::time_point t0, int64_t ramp_ms, Clock::time_point now) {
  if (ramp_ms <= 0) return 1.0;
  const double elapsed = std::chrono::duration<double, std::milli>(now - t0).count();
  return std::clamp(elapsed / static_cast<double>(ramp_ms), 0.0, 1.0);
}

// CPU time this thread has used. Busy time is counted in it, not in wall
// time: on a busy host a spinning thread is preempted, and a hog that counted
// wall time would burn less than its share.
std::chrono::nanoseconds thread_cpu() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Thread `index` of a CPU hog: its share of the current level (the level minus
// the threads before it, at most one core) as CPU time in each period, or as
// much of it as the period leaves room for.
[[noreturn]] void burn(int index, double cores, int64_t ramp_ms, Clock::time_point t0) {
  std::atomic<uint64_t> spins{0};  // the work: a store the compiler must keep
  for (;;) {
    const auto start = Clock::now();
    const auto end = start + kPeriod;
    const double level = cores * ramp_fraction(t0, ramp_ms, start);
    const double share = std::clamp(level - index, 0.0, 1.0);
    const auto busy = std::chrono::duration_cast<std::chrono::nanoseconds>(kPeriod * share);
    const auto cpu0 = thread_cpu();
    for (int i = 0; thread_cpu() - cpu0 < busy; ++i) {
      spins.fetch_add(1, std::memory_order_relaxed);
      if ((i & 63) == 0 && Clock::now() >= end) break;
    }
    if (share < 1.0) std::this_thread::sleep_until(end);
  }
}

[[noreturn]] void hold_forever() {
  for (;;) ::pause();
}

int cpu_hog(double cores, int64_t ramp_ms) {
  const int threads = static_cast<int>(std::ceil(cores));
  std::fprintf(stderr, "faultline-hog: burning %.3f cores on %d threads (ramp %lld ms)\n", cores, threads,
               static_cast<long long>(ramp_ms));
  const auto t0 = Clock::now();
  std::vector<std::thread> ts;
  for (int i = 1; i < threads; ++i) ts.emplace_back(burn, i, cores, ramp_ms, t0);
  burn(0, cores, ramp_ms, t0);
}

int memory_hog(uint64_t bytes, int64_t ramp_ms) {
  // Anonymous private memory is charged to the node's cgroup page by page as
  // it is first written (a read would map the shared zero page, charging nothing).
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    std::fprintf(stderr, "faultline-hog: cannot map %llu bytes: %s\n", static_cast<unsigned long long>(bytes),
                 std::strerror(errno));
    return 1;
  }
  auto* mem = static_cast<volatile unsigned char*>(p);
  const auto t0 = Clock::now();
  uint64_t touched = 0;
  while (touched < bytes) {
    const auto now = Clock::now();
    const auto want = static_cast<uint64_t>(static_cast<double>(bytes) * ramp_fraction(t0, ramp_ms, now));
    for (; touched < want; touched += kPage) mem[touched] = 1;
    if (touched < bytes) std::this_thread::sleep_for(kPeriod);
  }
  std::fprintf(stderr, "faultline-hog: holding %llu bytes\n", static_cast<unsigned long long>(bytes));
  hold_forever();
}

int squeeze() {
  // Best effort: never the OOM killer's victim (needs CAP_SYS_RESOURCE). Without
  // it the squeezer, at about 1 MiB, is still the smallest process in most nodes.
  if (int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC); fd >= 0) {
    if (::write(fd, "-1000", 5) != 5) std::fprintf(stderr, "faultline-hog: oom_score_adj stays: %s\n", std::strerror(errno));
    ::close(fd);
  }
  constexpr size_t kChunk = 1 << 20;
  for (;;) {
    // Each fresh page is a new charge: at the limit, the charge reclaims and
    // then has the kernel OOM-kill the node's largest process.
    void* p = ::mmap(nullptr, kChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      auto* mem = static_cast<volatile unsigned char*>(p);
      for (size_t i = 0; i < kChunk; i += kPage) mem[i] = 1;
      ::munmap(p, kChunk);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"faultline-hog: CPU or memory pressure inside a faultline node"};
  double cores = 0;
  uint64_t bytes = 0;
  int64_t ramp_ms = 0;
  bool squeezer = false;
  auto* cpu = app.add_option("--cpu", cores, "cores to burn")->check(CLI::Range(0.001, 1024.0));
  auto* mem = app.add_option("--memory", bytes, "bytes to allocate, touch and hold")->check(CLI::PositiveNumber);
  auto* sq = app.add_flag("--squeeze", squeezer, "touch fresh pages in a loop (v1 memory cut)");
  app.add_option("--ramp-ms", ramp_ms, "grow from nothing to the full size over this many ms")
      ->check(CLI::NonNegativeNumber);
  cpu->excludes(mem)->excludes(sq);
  mem->excludes(sq);
  CLI11_PARSE(app, argc, argv);
  if (cores > 0) return cpu_hog(cores, ramp_ms);
  if (bytes > 0) return memory_hog(bytes, ramp_ms);
  if (squeezer) return squeeze();
  std::fprintf(stderr, "faultline-hog: one of --cpu, --memory, --squeeze is required\n");
  return 2;
}
