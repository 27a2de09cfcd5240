// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/live_board.hpp"

#include <unistd.h>

#include "base/atomic_file.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::experiment {

namespace {

void write_now(const std::string& path, const nlohmann::json& now) {
  if (path.empty()) return;
  // A failed write leaves the last one: `watch` shows it a second longer.
  (void)write_file_atomic(path, now.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace

LiveBoard::~LiveBoard() {
  if (!now_path_.empty()) ::unlink(now_path_.c_str());
}

void LiveBoard::refresh(const std::function<LiveData()>& make) {
  const auto start = std::chrono::steady_clock::now();
  if (start < next_) return;
  const LiveData d = make();
  const auto cost = std::chrono::steady_clock::now() - start;
  next_ = start + 10 * cost;
  std::string page = d.page.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  {
    std::lock_guard<std::mutex> lk(mu_);
    page_ = std::move(page);
  }
  last_now_ = d.now;
  write_now(now_path_, d.now);
}

void LiveBoard::end() {
  if (last_now_.is_null()) last_now_ = nlohmann::json::object();
  last_now_["ended"] = true;
  write_now(now_path_, last_now_);
}

std::map<std::string, runtime::CgroupLimits> current_limits(runtime::Run& run) {
  std::map<std::string, runtime::CgroupLimits> out;
  for (const auto& c : run.plan().cgroups)
    if (auto* cg = run.cgroup(c.node))
      if (auto l = cg->limits(); l.ok()) out[c.node] = l.value();
  return out;
}

std::string LiveBoard::page_json() const {
  std::lock_guard<std::mutex> lk(mu_);
  return page_;
}

}  // namespace faultline::experiment
