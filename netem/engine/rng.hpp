// The engine's only source of randomness. Every random decision of one pipe
// (one direction of a link, or one segment) comes from that pipe's own
// generator, seeded from (run seed, name, direction): the same seed and the
// same packet sequence then give the same decisions, whatever the other
// pipes see and whatever the timing.
#pragma once

#include <cstdint>
#include <string_view>

namespace faultline::netem::engine {

inline uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman, Vigna): small, fast, and its output is fixed by its
// definition, unlike std:: distributions whose results differ between
// standard libraries.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { reseed(seed); }

  void reseed(uint64_t seed) {
    uint64_t x = seed;
    for (auto& w : s_) w = splitmix64(x);
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

  // The high bits are the best ones of xoshiro's output.
  uint32_t next32() { return static_cast<uint32_t>(next64() >> 32); }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// FNV-1a over the name and direction, folded with the seed through splitmix so
// that neighbouring seeds give unrelated streams.
inline uint64_t pipe_seed(uint64_t seed, std::string_view name, std::string_view dir) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
    h ^= 0xff;  // separator: ("ab","c") and ("a","bc") differ
    h *= 0x100000001b3ull;
  };
  mix(name);
  mix(dir);
  uint64_t x = seed ^ h;
  return splitmix64(x);
}

}  // namespace faultline::netem::engine
