// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/packet_pool.hpp"

#include <sys/mman.h>

#include <utility>

namespace faultline::netem::engine {

Result<PacketPool> PacketPool::create(uint32_t slots, uint32_t slot_size) {
  if (slots == 0 || slot_size == 0) return logic_error("packet pool needs slots and a slot size");
  PacketPool p;
  p.bytes_ = static_cast<size_t>(slots) * slot_size;
  void* m = ::mmap(nullptr, p.bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) return sys_error("mmap packet pool of " + std::to_string(p.bytes_) + " bytes");
  p.base_ = static_cast<uint8_t*>(m);
  p.slots_ = slots;
  p.slot_size_ = slot_size;
  p.free_.reserve(slots);
  // Highest index first, so slot 0 is handed out first and the arena is
  // touched from its start.
  for (uint32_t i = slots; i > 0; --i) p.free_.push_back(i - 1);
  return p;
}

PacketPool::PacketPool(PacketPool&& o) noexcept
    : base_(std::exchange(o.base_, nullptr)),
      bytes_(std::exchange(o.bytes_, 0)),
      slots_(std::exchange(o.slots_, 0)),
      slot_size_(std::exchange(o.slot_size_, 0)),
      free_(std::move(o.free_)) {}

PacketPool& PacketPool::operator=(PacketPool&& o) noexcept {
  if (this != &o) {
    release();
    base_ = std::exchange(o.base_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
    slots_ = std::exchange(o.slots_, 0);
    slot_size_ = std::exchange(o.slot_size_, 0);
    free_ = std::move(o.free_);
  }
  return *this;
}

PacketPool::~PacketPool() { release(); }

void PacketPool::release() noexcept {
  if (base_) ::munmap(base_, bytes_);
  base_ = nullptr;
}

}  // namespace faultline::netem::engine
