// SPDX-License-Identifier: Apache-2.0
// Process identity and termination by id, never by name. A pid alone can be
// reused, so every process the project records is (pid, start time), and it is
// signalled through a pidfd opened after the start time was checked.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace faultline::runtime {

struct ProcId {
  pid_t pid = 0;
  uint64_t start_time = 0;  // field 22 of /proc/PID/stat, clock ticks since boot
  bool operator==(const ProcId&) const = default;
};

// The start time of a live process; error ESRCH when it does not exist.
Result<uint64_t> proc_start_time(pid_t pid);
Result<ProcId> proc_id(pid_t pid);

// A pidfd for the process if and only if it is still the one recorded.
// ESRCH when it is gone or the pid now belongs to another process.
Result<UniqueFd> open_verified(const ProcId& id);

// SIGKILL through the pidfd, then wait (poll on the pidfd) up to timeout_ms for
// it to exit. Gone already: success.
Status kill_verified(const ProcId& id, int timeout_ms = 5000);
Status signal_verified(const ProcId& id, int sig);
bool is_alive(const ProcId& id);

// "killed by signal 9", "exit status 3": a wait status as people read it.
std::string describe_wait_status(int status);

// The inode of /proc/PID/ns/<kind> (kind: "net", "uts", "mnt", ...).
Result<uint64_t> ns_inode(pid_t pid, const char* kind);

}  // namespace faultline::runtime
