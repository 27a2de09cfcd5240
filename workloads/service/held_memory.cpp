// SPDX-License-Identifier: Apache-2.0
#include "workloads/service/held_memory.hpp"

#include <unistd.h>

#include <cstdlib>

namespace faultline::workloads::service {

namespace {

size_t page_size() {
  static const size_t p = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return p;
}

}  // namespace

HeldMemory::HeldMemory(uint64_t bytes) : n_(bytes) {
  if (bytes == 0) return;
  p_ = static_cast<char*>(std::malloc(bytes));
  if (!p_) return;
  // One write per page makes it resident; volatile, because a compiler may
  // drop stores to memory that is freed without being read.
  volatile char* v = p_;
  for (uint64_t off = 0; off < bytes; off += page_size()) v[off] = 1;
  v[bytes - 1] = 1;
}

HeldMemory& HeldMemory::operator=(HeldMemory&& o) noexcept {
  if (this != &o) {
    std::free(p_);
    p_ = std::exchange(o.p_, nullptr);
    n_ = std::exchange(o.n_, 0);
  }
  return *this;
}

HeldMemory::~HeldMemory() { std::free(p_); }

}  // namespace faultline::workloads::service
