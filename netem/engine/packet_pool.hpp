// SPDX-License-Identifier: Apache-2.0
// Fixed-size packet buffers for everything the engine holds between receive
// and release. One mmap'd arena, reserved up front but only backed by memory
// where used, so the engine's footprint is bounded by slots x slot_size and
// the fast path never calls malloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/result.hpp"

namespace faultline::netem::engine {

class PacketPool {
 public:
  static Result<PacketPool> create(uint32_t slots, uint32_t slot_size);

  PacketPool() = default;
  PacketPool(PacketPool&& o) noexcept;
  PacketPool& operator=(PacketPool&& o) noexcept;
  PacketPool(const PacketPool&) = delete;
  PacketPool& operator=(const PacketPool&) = delete;
  ~PacketPool();

  std::optional<uint32_t> alloc() {
    if (free_.empty()) return std::nullopt;
    const uint32_t s = free_.back();
    free_.pop_back();
    return s;
  }
  void free(uint32_t slot) { free_.push_back(slot); }
  uint8_t* data(uint32_t slot) { return base_ + static_cast<size_t>(slot) * slot_size_; }

  uint32_t slot_size() const { return slot_size_; }
  uint32_t capacity() const { return slots_; }
  uint32_t in_use() const { return slots_ - static_cast<uint32_t>(free_.size()); }

 private:
  void release() noexcept;

  uint8_t* base_ = nullptr;
  size_t bytes_ = 0;
  uint32_t slots_ = 0;
  uint32_t slot_size_ = 0;
  std::vector<uint32_t> free_;  // LIFO: recently used, cache-warm slots first
};

}  // namespace faultline::netem::engine
