// SPDX-License-Identifier: Apache-2.0
// The libFuzzer driver of one target: FL_FUZZ_ENTRY names its entry function
// (fl_fuzz_target in CMakeLists.txt). A broken property throws, which ends
// in abort(): libFuzzer reports it as a crash and keeps the input.
#include "fuzz/entries/entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return faultline::fuzz::FL_FUZZ_ENTRY(data, size);
}
