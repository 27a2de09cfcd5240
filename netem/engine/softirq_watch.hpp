// SPDX-License-Identifier: Apache-2.0
// Tells a real-time engine when to step aside. A SCHED_FIFO task that keeps
// its CPU busy starves ksoftirqd on that CPU, and with it every packet whose
// processing the kernel deferred there (the kernel's RT throttling only steps
// in after 950 ms). The engine checks every few milliseconds of continuous
// work whether its CPU's ksoftirqd is runnable, and sleeps briefly only then,
// so an uncontended engine never gives up precision for nothing.
#pragma once

#include <sys/types.h>

#include <vector>

#include "base/fd.hpp"

namespace faultline::netem::engine {

class SoftirqWatch {
 public:
  // Opens /proc/<pid>/stat of every ksoftirqd/N; missing ones are skipped.
  static SoftirqWatch open();

  // True when ksoftirqd of the CPU the caller runs on is runnable.
  bool pending_on_this_cpu() const;

 private:
  std::vector<UniqueFd> stat_;  // indexed by CPU
};

}  // namespace faultline::netem::engine
