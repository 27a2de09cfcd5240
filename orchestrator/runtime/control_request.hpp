// SPDX-License-Identifier: Apache-2.0
// The run owner's control protocol, parsed: one JSON object per connection,
// as `faultline fault` sends it,
//   {"op":"ping"} | {"op":"list"} | {"op":"stats"}
//   {"op":"impair","target":"link:api-db","args":["delay=150ms","loss=2%"]}
//   {"op":"clear","target":"link:api-db"|"segment:lan"|"node:db"|"all"}
//   {"op":"partition","from":["api"],"to":["db"],"both_ways":false,
//    "proto":"tcp","ports":"5432","flap":"2s/1s"}
//   {"op":"heal"} | {"op":"heal","id":3}
// parse_control_request is pure (no I/O, no exceptions): whatever bytes a
// client sends become a request or an error saying what is wrong and what is
// allowed, so that no request can end the owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "orchestrator/runtime/links.hpp"

namespace faultline::runtime {

// The largest request read: a fault is a few hundred bytes.
inline constexpr size_t kMaxControlRequestBytes = size_t{64} << 10;

struct ControlRequest {
  enum class Op { kPing, kList, kStats, kImpair, kClear, kPartition, kHeal };
  Op op = Op::kPing;
  std::string target;             // impair, clear
  std::vector<std::string> args;  // impair: KEY=VALUE words, "oneway", node actions
  PartitionSpec partition;        // partition
  bool both_ways = false;         // partition: also `to` -> `from`
  std::optional<uint32_t> id;     // heal: one partition; none: all
};

Result<ControlRequest> parse_control_request(std::string_view text);

}  // namespace faultline::runtime
