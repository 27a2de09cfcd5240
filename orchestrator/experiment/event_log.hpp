// SPDX-License-Identifier: Apache-2.0
// events.jsonl: one JSON object per line, each with its time `t` in seconds
// since the experiment started. Kept in memory too, for the analysis and the
// report. Each line is flushed as written, so a crashed run keeps its events.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace faultline::experiment {

class EventLog {
 public:
  static Result<EventLog> open(const std::string& path);
  EventLog() = default;
  EventLog(EventLog&& o) noexcept : f_(std::exchange(o.f_, nullptr)), events_(std::move(o.events_)) {}
  EventLog& operator=(EventLog&& o) noexcept;
  ~EventLog();

  // Adds t and kind to fields and appends the line.
  void add(double t_s, const std::string& kind, nlohmann::json fields = nlohmann::json::object());
  const std::vector<nlohmann::json>& events() const { return events_; }

 private:
  FILE* f_ = nullptr;
  std::vector<nlohmann::json> events_;
};

}  // namespace faultline::experiment
