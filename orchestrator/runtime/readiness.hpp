// SPDX-License-Identifier: Apache-2.0
// Waiting for a process started in a node to listen: the next process (a load
// generator after its services) must find it answering, and a workload that
// dies at start-up (a bad configuration) must fail `up`, not go unnoticed.
#pragma once

#include <cstdint>

#include "base/result.hpp"
#include "orchestrator/runtime/spawn.hpp"

namespace faultline::runtime {

// Polls a TCP connect to 127.0.0.1:port inside the network namespace until
// it succeeds; ETIMEDOUT after timeout_ms, an error naming its exit status
// when the process exits first.
Status wait_listening(int netns_fd, uint16_t port, NodeProcess& process, int timeout_ms);

}  // namespace faultline::runtime
