// SPDX-License-Identifier: Apache-2.0
// The engine's only source of randomness. Every random decision of one pipe
// (one direction of a link, or one segment) comes from that pipe's own
// generator, seeded from (run seed, name, direction): the same seed and the
// same packet sequence then give the same decisions, whatever the other
// pipes see and whatever the timing.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/random_core.hpp"

namespace faultline::netem::engine {

using faultline::splitmix64;

// xoshiro256** (base/random_core.hpp): small, fast, and its
// output is fixed by its definition, unlike std:: distributions whose results
// differ between standard libraries.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : x_(seed) {}
  void reseed(uint64_t seed) { x_.reseed(seed); }
  uint64_t next64() { return x_.next64(); }
  // The high bits are the best ones of xoshiro's output.
  uint32_t next32() { return static_cast<uint32_t>(next64() >> 32); }

 private:
  Xoshiro256ss x_;
};

// FNV-1a over the name and direction, folded with the seed through splitmix so
// that neighbouring seeds give unrelated streams.
inline uint64_t pipe_seed(uint64_t seed, std::string_view name, std::string_view dir) {
  // A 0xff byte after each part separates them: ("ab","c") and ("a","bc") differ.
  constexpr std::string_view kSep("\xff", 1);
  uint64_t h = fnv1a(fnv1a(fnv1a(fnv1a(kFnv1aBasis, name), kSep), dir), kSep);
  uint64_t x = seed ^ h;
  return splitmix64(x);
}

}  // namespace faultline::netem::engine
