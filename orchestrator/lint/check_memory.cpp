// SPDX-License-Identifier: Apache-2.0
// A backlog's memory against the node's limit: a request holds its
// request_memory from arrival (queued too) until it is answered, so a full
// queue holds (workers + queue) x request_memory. Above the node's memory
// limit a backlog ends in an OOM kill before the queue ever sheds.
#include <algorithm>

#include "orchestrator/lint/checks.hpp"
#include "orchestrator/lint/format.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::lint {

namespace {

// A request at the service's costliest endpoint.
uint64_t per_request_bytes(const model::Service& s) {
  uint64_t out = 0;
  for (const auto& e : s.endpoints) out = std::max(out, e.request_memory_bytes);
  return out;
}

// What a service holds with every worker busy and its queue full.
uint64_t full_backlog_bytes(const model::Service& s) {
  return per_request_bytes(s) * (static_cast<uint64_t>(s.workers) + s.queue);
}

}  // namespace

void check_memory(const CheckInput& in, std::vector<Finding>& out) {
  using model::units::format_bytes_short;
  for (const auto& node : in.topo.nodes) {
    if (node.memory_bytes == 0) continue;
    uint64_t held = 0;
    const model::Service* largest = nullptr;
    for (const auto& s : node.services) {
      held += full_backlog_bytes(s);
      if (!largest || full_backlog_bytes(s) > full_backlog_bytes(*largest)) largest = &s;
    }
    if (!largest || held <= node.memory_bytes) continue;
    const uint64_t per_request = per_request_bytes(*largest);
    // The largest queue that fits beside the other services' full backlogs.
    const uint64_t others = held - full_backlog_bytes(*largest);
    const uint64_t room = node.memory_bytes > others ? (node.memory_bytes - others) / per_request : 0;
    const std::string queue_fix = room > largest->workers
                                      ? "queue <= " + std::to_string(room - largest->workers) + " on " + largest->name
                                      : "fewer workers or less request_memory on " + largest->name;
    out.push_back({largest->loc, "memory",
                   Severity::kWarning,
                   "node " + node.name + " can hold " + format_bytes_short(held) + " of requests (" + largest->name +
                       ": (" + std::to_string(largest->workers) + " workers + " + std::to_string(largest->queue) +
                       " queued) x " + format_bytes_short(per_request) + ") against its memory limit of " +
                       format_bytes_short(node.memory_bytes) +
                       ": a backlog ends in an OOM kill before the queue is full and sheds",
                   queue_fix + " (so that (workers + queue) x request_memory fits), or memory >= " +
                       format_bytes_short(held) + " plus the processes' own",
                   {largest->name},
                   {{"held_bytes", static_cast<double>(held)}, {"limit_bytes", static_cast<double>(node.memory_bytes)}}});
  }
}

}  // namespace faultline::lint
