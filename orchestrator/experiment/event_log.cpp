// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/event_log.hpp"

#include <cmath>

namespace faultline::experiment {

Result<EventLog> EventLog::open(const std::string& path) {
  EventLog log;
  log.f_ = std::fopen(path.c_str(), "we");
  if (!log.f_) return sys_error("create " + path);
  return log;
}

EventLog& EventLog::operator=(EventLog&& o) noexcept {
  if (this != &o) {
    if (f_) std::fclose(f_);
    f_ = std::exchange(o.f_, nullptr);
    events_ = std::move(o.events_);
  }
  return *this;
}

EventLog::~EventLog() {
  if (f_) std::fclose(f_);
}

void EventLog::add(double t_s, const std::string& kind, nlohmann::json fields) {
  nlohmann::json e = {{"t", std::round(t_s * 1000) / 1000}, {"kind", kind}};
  e.update(fields);
  if (f_) {
    const std::string line = e.dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), f_);
    std::fflush(f_);
  }
  events_.push_back(std::move(e));
}

}  // namespace faultline::experiment
