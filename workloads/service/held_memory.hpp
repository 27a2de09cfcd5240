// SPDX-License-Identifier: Apache-2.0
// The memory a request holds for its lifetime (endpoint.request_memory_bytes):
// allocated on arrival and every page written, so it is resident (counted by
// the node's memory cgroup) rather than merely reserved; a backlog of queued
// requests is then real memory pressure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

namespace faultline::workloads::service {

class HeldMemory {
 public:
  HeldMemory() = default;
  // Allocates and touches bytes; ok() is false when the allocation failed.
  explicit HeldMemory(uint64_t bytes);
  HeldMemory(HeldMemory&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  HeldMemory& operator=(HeldMemory&& o) noexcept;
  HeldMemory(const HeldMemory&) = delete;
  HeldMemory& operator=(const HeldMemory&) = delete;
  ~HeldMemory();

  bool ok() const { return n_ == 0 || p_ != nullptr; }
  uint64_t size() const { return n_; }

 private:
  char* p_ = nullptr;
  uint64_t n_ = 0;
};

}  // namespace faultline::workloads::service
