// SPDX-License-Identifier: Apache-2.0
// The link engine's control protocol, parsed: one JSON object per line,
//   {"op":"ping"} | {"op":"get"} | {"op":"stop"}
//   {"op":"stats"} | {"op":"stats","reset_lateness":true}
//   {"op":"set","link":"api-db","dir":"a->b"|"b->a"|"both","impairment":{...}}
//   {"op":"set","segment":"lan","impairment":{...}}
// (the impairment's JSON form: impairment_json.hpp). parse_engine_request is
// pure (no I/O, no exceptions): whatever bytes a client sends become a
// request or an error saying what is wrong and what is allowed, so that no
// request can stop the engine.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "netem/impairment.hpp"

namespace faultline::netem::engine {

// The longest request line read: a "set" is a few hundred bytes.
inline constexpr size_t kMaxEngineRequestBytes = size_t{64} << 10;

struct EngineRequest {
  enum class Op { kPing, kStats, kGet, kSet, kStop };
  enum class Dir { kAtoB, kBtoA, kBoth };
  Op op = Op::kPing;
  bool reset_lateness = false;  // stats
  bool segment = false;         // set: a segment named `name`, else a link
  std::string name;             // set
  Dir dir = Dir::kBoth;         // set, links only
  Impairment impairment;        // set
};

// One request line (without its newline).
Result<EngineRequest> parse_engine_request(std::string_view line);

}  // namespace faultline::netem::engine
