// SPDX-License-Identifier: Apache-2.0
// GET /records: the spans a workload recorded since the last pull, the ones
// still open, and the names their `name` indices point to, in one binary
// body (little-endian, this host's layout; both ends run on the same host):
//
//   header   WireHeader
//   names    `names` times: uint16 length, that many bytes
//   spans    `done` SpanRecords completed since the last pull, then `open`
//            SpanRecords in flight now (kFlagOpen, end_ns = now_ns)
//
// The orchestrator pulls every tick (drained: each completed span is sent
// once) and keeps the open ones only until the next pull replaces them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "workloads/trace/span.hpp"

namespace faultline::workloads::trace {

inline constexpr std::string_view kRecordsPath = "/records";
inline constexpr char kWireMagic[4] = {'F', 'L', 'R', '1'};

struct WireHeader {
  char magic[4] = {'F', 'L', 'R', '1'};
  uint32_t names = 0;
  uint32_t done = 0;
  uint32_t open = 0;
  uint64_t dropped = 0;        // spans lost so far because the buffer was full (cumulative)
  uint64_t unsampled = 0;      // spans not recorded: their trace was not sampled (cumulative)
  int64_t now_ns = 0;          // CLOCK_MONOTONIC when the pull was answered
};
static_assert(sizeof(WireHeader) == 40);

struct Pull {
  std::vector<std::string> names;
  std::vector<SpanRecord> done, open;
  uint64_t dropped = 0, unsampled = 0;
  int64_t now_ns = 0;
};

// Appends the encoding to out.
void encode(const std::vector<std::string>& names, const SpanRecord* done, size_t n_done, const SpanRecord* open,
            size_t n_open, uint64_t dropped, uint64_t unsampled, int64_t now_ns, std::string& out);

// Checks every length against the body: a short, long or foreign body is an
// error naming what is wrong, never a read past its end.
Result<Pull> decode(std::string_view body);

}  // namespace faultline::workloads::trace
