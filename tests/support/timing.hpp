// SPDX-License-Identifier: Apache-2.0
// How much later than on bare hardware a timing test lets a release come.
// Never how much earlier: a delay is never cut short anywhere, so lower
// bounds stay strict. Under qemu without KVM (FAULTLINE_VM=1, tests/vm)
// every instruction is emulated; in a sanitizer build (make test-asan,
// test-tsan) the link engine and the workloads are instrumented too, and
// their per-packet work costs several times what it does in a normal build.
#pragma once

#include <cstdlib>

namespace faultline::test {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

inline bool in_vm() { return std::getenv("FAULTLINE_VM") != nullptr; }

// The tolerance of a latency measured on the host, widened where the
// machine is emulated or the code instrumented.
inline double timing_tolerance(double host) { return in_vm() || kSanitized ? host * 3 : host; }

}  // namespace faultline::test
