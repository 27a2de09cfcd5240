// SPDX-License-Identifier: Apache-2.0
// Where the latest live data (live.hpp) is kept between ticks: the page's
// JSON for the HTTP server's thread, and `now` in the run's state folder
// (live.json, replaced atomically each tick) for `faultline watch`, which
// thereby needs no port and no connection to the owner.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "orchestrator/experiment/live.hpp"

namespace faultline::runtime {
class Run;
}

namespace faultline::experiment {

class LiveBoard {
 public:
  // now_path: the file `now` goes to ("": none).
  explicit LiveBoard(std::string now_path) : now_path_(std::move(now_path)) {}
  ~LiveBoard();
  LiveBoard(const LiveBoard&) = delete;
  LiveBoard& operator=(const LiveBoard&) = delete;

  // From the collecting thread, after a tick: computes the live data with
  // `make` and publishes it, when due. The analysis behind it runs over
  // the request records held (the baseline's and the last live_records),
  // so its cost grows with the rate; it takes at most 10% of the
  // collecting thread's time (a busy host refreshes less often instead).
  void refresh(const std::function<LiveData()>& make);
  // The run is over (its analysis and teardown follow): `now` says so.
  void end();
  // From any thread: the page's data, "{}" before the first tick.
  std::string page_json() const;
  const std::string& now_path() const { return now_path_; }

 private:
  std::string now_path_;
  nlohmann::json last_now_;
  std::chrono::steady_clock::time_point next_{};
  mutable std::mutex mu_;
  std::string page_ = "{}";
};

// Each node's cgroup limits as now in force (a node fault changes them).
std::map<std::string, runtime::CgroupLimits> current_limits(runtime::Run& run);

}  // namespace faultline::experiment
