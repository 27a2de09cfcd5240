// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <time.h>

#include <cstdint>

namespace faultline::netem::engine {

inline int64_t clock_ns(clockid_t id) {
  timespec ts;
  ::clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
// Due times live on CLOCK_MONOTONIC: wall-clock steps must not move them.
inline int64_t mono_ns() { return clock_ns(CLOCK_MONOTONIC); }
// The receive ring stamps frames with CLOCK_REALTIME.
inline int64_t real_ns() { return clock_ns(CLOCK_REALTIME); }

}  // namespace faultline::netem::engine
