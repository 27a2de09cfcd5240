// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/readiness.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "base/fd.hpp"
#include "orchestrator/runtime/netns.hpp"
#include "orchestrator/runtime/proc.hpp"

namespace faultline::runtime {

namespace {

// One attempt; the socket is created on the calling thread, which is in the node's netns.
bool accepts(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
}

}  // namespace

Status wait_listening(int netns_fd, uint16_t port, NodeProcess& process, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  // Start-up takes milliseconds: poll finely at first, then back off.
  auto pause = std::chrono::milliseconds(1);
  return in_netns(netns_fd, [&]() -> Status {
    for (;;) {
      if (accepts(port)) return {};
      int status = 0;
      if (process.exited(&status)) return logic_error("it ended (" + describe_wait_status(status) + ") before listening");
      if (std::chrono::steady_clock::now() > deadline)
        return sys_error(ETIMEDOUT, "nothing listens on port " + std::to_string(port) + " after " +
                                        std::to_string(timeout_ms) + " ms");
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
  });
}

}  // namespace faultline::runtime
