// SPDX-License-Identifier: Apache-2.0
// The fixed arithmetic behind every seeded choice in faultline: splitmix64,
// FNV-1a and xoshiro256** (Blackman and Vigna, https://prng.di.unimi.it/).
// Their outputs are fixed by their definitions, unlike std:: distributions
// and std::hash, so the same seed gives the same run on any standard library.
// The link engine, the workloads and the planner's seeds all use this one.
#pragma once

#include <cstdint>
#include <string_view>

namespace faultline {

// Advances state and returns its next output (Vigna's splitmix64.c).
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline constexpr uint64_t kFnv1aBasis = 0xcbf29ce484222325ULL;
// FNV-1a of s, continuing from hash h.
inline uint64_t fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// xoshiro256**, its state seeded by splitmix64 as its authors advise, so that
// close seeds (1, 2, 3) give unrelated streams.
class Xoshiro256ss {
 public:
  explicit Xoshiro256ss(uint64_t seed = 0) { reseed(seed); }

  void reseed(uint64_t seed) {
    uint64_t x = seed;
    for (auto& w : s_) w = splitmix64(x);
    // splitmix64 never yields four zero words from one state; the all-zero
    // state is xoshiro's one fixed point, so say so.
    if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;
  }

  uint64_t next64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace faultline
