// SPDX-License-Identifier: Apache-2.0
// The request records of a run: every workload's spans, pulled each tick
// (GET /records, workloads/trace/wire.hpp), kept in memory for the analysis
// and appended to the results folder's records.bin as they arrive, so a
// crashed run keeps what it pulled. records.bin is a sequence of chunks,
// each a source's name and one pull's body as the workload sent it:
//
//   "FLRC" uint32 source-length source uint32 body-length body
//
// read_records() puts them back together (the open spans of a source's
// last pull are the ones still in flight at its end).
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "workloads/trace/span.hpp"
#include "workloads/trace/wire.hpp"

namespace faultline::experiment {

// One workload's records: a service (its name) or a load generator
// ("load:<node>").
struct RecordSource {
  std::string name;
  std::vector<std::string> names;                   // what SpanRecord::name indexes
  std::vector<workloads::trace::SpanRecord> spans;  // completed, in pull order
  std::vector<workloads::trace::SpanRecord> open;   // in flight at the last pull
  uint64_t dropped = 0;                             // lost to a full buffer in the workload
  uint64_t unsampled = 0;                           // not recorded: trace not sampled
  uint64_t forgotten = 0;                           // recorded, then let go by forget()
  int64_t last_pull_ns = 0;                         // CLOCK_MONOTONIC of the last pull
  size_t pulls = 0;
};

class RecordStore {
 public:
  RecordStore() = default;
  // path empty: memory only.
  static Result<RecordStore> open(const std::string& path);
  RecordStore(RecordStore&& o) noexcept;
  RecordStore& operator=(RecordStore&& o) noexcept;
  ~RecordStore();

  // Adds one pull's body from `source`; a body that does not decode is an
  // error (nothing is added).
  Status add(const std::string& source, std::string_view body);
  const std::map<std::string, RecordSource>& sources() const { return sources_; }
  size_t spans() const;

  // Lets go of the completed spans that ended before `before_ns` and do not
  // overlap [keep_begin_ns, keep_end_ns) (a baseline a verdict is judged
  // against), counting them per source as `forgotten`. What was written to
  // the file stays there. An `up` session calls it every tick so that its
  // memory, and the analysis it runs over the records, stay bounded.
  void forget(int64_t before_ns, int64_t keep_begin_ns, int64_t keep_end_ns);

 private:
  void merge(const std::string& source, workloads::trace::Pull&& p);
  friend Result<std::map<std::string, RecordSource>> read_records(const std::string& path);
  FILE* f_ = nullptr;
  std::map<std::string, RecordSource> sources_;
};

// A records.bin back as its sources.
Result<std::map<std::string, RecordSource>> read_records(const std::string& path);

}  // namespace faultline::experiment
