// SPDX-License-Identifier: Apache-2.0
// The link engine: ports, pipes and one single-threaded event loop.
//
// Loop: release every packet whose due time has come, drain the receive
// rings, repeat while there is work. Otherwise sleep in epoll_wait on the
// ports, the control socket, a signalfd and a timerfd armed (absolute,
// CLOCK_MONOTONIC) a margin before the earliest due time; the margin is a
// busy-wait, so releases are exact to about a microsecond. The margin adapts
// to how late timer wake-ups turn out to be (tuning.spin_ns..spin_max_ns).
// Nothing queued and no frame for rx_poll_ns: the loop sleeps without a
// timer, so an idle engine uses no CPU.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "netem/engine/config.hpp"
#include "netem/engine/control.hpp"
#include "netem/engine/control_request.hpp"
#include "netem/engine/lateness.hpp"
#include "netem/engine/mac_table.hpp"
#include "netem/engine/packet_pool.hpp"
#include "netem/engine/pipe.hpp"
#include "netem/engine/port.hpp"
#include "netem/engine/rt_guard.hpp"
#include "netem/engine/trace.hpp"

namespace faultline::netem::engine {

struct EngineOptions {
  std::string trace_path;  // empty: no trace
  bool verbose = false;
};

class Engine {
 public:
  // Opens every port (in the calling thread's network namespace) and the
  // control socket. SIGINT and SIGTERM must already be blocked: the engine
  // takes them through a signalfd.
  static Result<std::unique_ptr<Engine>> create(const EngineConfig& cfg, const EngineOptions& opt);

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine();

  // Runs until SIGINT/SIGTERM or a "stop" request.
  Status run();

  // One control request line (what the control socket calls): parsed by
  // parse_engine_request, so a malformed one is an error answer, never a stop.
  nlohmann::json handle(std::string_view line);

 private:
  Engine() = default;

  struct PortRole {
    int32_t pipe = -1;     // the pipe its received frames enter
    int32_t segment = -1;  // >= 0: member of this segment
  };
  struct Segment {
    std::string name;
    std::vector<int32_t> ports;
    int32_t pipe = -1;
    MacTable table;
    uint64_t flooded = 0, filtered = 0;
  };

  Result<uint32_t> open_ports();  // returns the ring frame size
  void build_pipes();
  Status open_events();

  bool poll_ports(int64_t now);
  void on_frame(int32_t port, const RxFrame& f, int64_t now);
  bool admit(Pipe& pipe, const RxFrame& f, const Decision& d, int64_t arrival, int32_t out, int32_t in);
  void release_due(int64_t now);
  int64_t next_due() const;
  void spin_until(int64_t t);
  Status wait_events(int64_t next_due);
  void arm_timer(int64_t at);
  void note_timer_lateness(int64_t late_ns);
  int64_t spin_margin() const;
  void trace(const Pipe& p, uint64_t seq, const std::string& verdict, int64_t delay);

  nlohmann::json stats(bool reset_lateness);
  nlohmann::json impairments() const;
  nlohmann::json set_impairment(const EngineRequest& req);

  EngineConfig cfg_;
  EngineOptions opt_;
  std::vector<Port> ports_;
  std::vector<PortRole> roles_;
  std::vector<Pipe> pipes_;
  std::vector<Segment> segments_;
  PacketPool pool_;
  TraceWriter trace_;
  UniqueFd epoll_, timer_, signal_;
  ControlServer control_;
  std::vector<uint32_t> to_free_;
  LatenessHistogram lateness_hist_;
  int64_t real_minus_mono_ = 0;
  int64_t armed_at_ = -1;
  int64_t margin_ns_ = 0;      // spin margin the timer's lateness asks for
  int64_t release_gap_ns_ = INT64_MAX / 4;  // moving average of the time between releases
  int64_t last_release_ns_ = 0;
  int64_t last_rx_ns_ = 0;
  RtGuard rt_;
  std::vector<int64_t> lateness_;  // last timer wake-ups' lateness (ring)
  size_t lateness_next_ = 0;
  int64_t last_event_poll_ = 0;
  int64_t started_ns_ = 0;
  uint64_t pool_exhausted_ = 0;
  uint64_t unstamped_ = 0;  // frames whose ring timestamp was not usable
  bool warned_oversize_ = false;
  bool stop_ = false;
};

}  // namespace faultline::netem::engine
