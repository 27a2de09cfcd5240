// SPDX-License-Identifier: Apache-2.0
// A segment's learning switch table: source MAC -> port, aged out after
// kAgeNs like a bridge's forwarding database (300 s).
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>

namespace faultline::netem::engine {

class MacTable {
 public:
  static constexpr int64_t kAgeNs = 300'000'000'000;
  static constexpr size_t kMaxEntries = 8192;  // bounded memory under MAC floods

  void learn(uint64_t mac, int32_t port, int64_t now_ns) {
    auto it = map_.find(mac);
    if (it != map_.end()) {
      it->second = {port, now_ns};
      return;
    }
    // Full: forget everything and relearn; unknown destinations are flooded
    // meanwhile, which is what a real switch does when its table overflows.
    if (map_.size() >= kMaxEntries) map_.clear();
    map_.emplace(mac, Entry{port, now_ns});
  }

  std::optional<int32_t> lookup(uint64_t mac, int64_t now_ns) const {
    auto it = map_.find(mac);
    if (it == map_.end() || now_ns - it->second.seen_ns > kAgeNs) return std::nullopt;
    return it->second.port;
  }

  size_t size() const { return map_.size(); }

 private:
  struct Entry {
    int32_t port;
    int64_t seen_ns;
  };
  std::unordered_map<uint64_t, Entry> map_;
};

}  // namespace faultline::netem::engine
