// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/engine.hpp"

#include <net/if.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "netem/engine/clock.hpp"
#include "netem/engine/frame.hpp"
#include "netem/engine/impairment_json.hpp"
#include "netem/engine/offload.hpp"

namespace faultline::netem::engine {

using nlohmann::json;

namespace {

constexpr uint64_t kTagPort = 1ull << 32;
constexpr uint64_t kTagTimer = 2ull << 32;
constexpr uint64_t kTagSignal = 3ull << 32;
constexpr uint64_t kTagControl = 4ull << 32;

// Frames per port per pass: bounds how long receiving can hold up a release.
constexpr uint32_t kRxBudget = 128;
// A ring timestamp older than this is not trusted (clock stepped, or the
// frame carries a foreign time base); the frame is stamped "now" instead.
constexpr int64_t kMaxRingAgeNs = 1'000'000'000;
// Under continuous load the loop never sleeps; it still looks at the control
// socket and signals this often.
constexpr int64_t kEventPollNs = 1'000'000;

void log(const std::string& msg) { std::fprintf(stderr, "faultline-linkd: %s\n", msg.c_str()); }

Result<int> interface_mtu(const std::string& ifname) {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) return sys_error("socket for SIOCGIFMTU");
  struct ifreq ifr {};
  if (ifname.size() >= IFNAMSIZ) return logic_error("bad port name '" + ifname + "'");
  std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
  if (::ioctl(s.get(), SIOCGIFMTU, &ifr) < 0) return sys_error("port " + ifname + " (not in this network namespace?)");
  return ifr.ifr_mtu;
}

// A fabric port is a wire, not a host: without this it sends its own IPv6
// router solicitations and MLD reports into the node it faces.
void disable_ipv6(const std::string& ifname) {
  std::ofstream f("/proc/sys/net/ipv6/conf/" + ifname + "/disable_ipv6");
  if (f) f << "1\n";
}

json counters_json(const Pipe& p) {
  const PipeCounters& c = p.c;
  return json{{"rx_packets", c.rx_packets},
              {"rx_bytes", c.rx_bytes},
              {"tx_packets", c.tx_packets},
              {"tx_bytes", c.tx_bytes},
              {"dropped_loss", c.dropped_loss},
              {"dropped_queue", c.dropped_queue},
              {"dropped_oversize", c.dropped_oversize},
              {"duplicated", c.duplicated},
              {"corrupted", c.corrupted},
              {"reordered", c.reordered},
              {"queue_packets", p.queue.packets()},
              {"queue_bytes", p.queue.bytes()},
              {"max_queue_packets", p.queue.max_packets()},
              {"limit_packets", p.queue.limit_packets()}};
}

json error_response(const std::string& msg) { return json{{"ok", false}, {"error", msg}}; }

}  // namespace

Result<std::unique_ptr<Engine>> Engine::create(const EngineConfig& cfg, const EngineOptions& opt) {
  std::unique_ptr<Engine> e(new Engine());
  e->cfg_ = cfg;
  e->opt_ = opt;
  auto frame_size = e->open_ports();
  if (!frame_size.ok()) return frame_size.error();
  e->build_pipes();

  auto pool = PacketPool::create(cfg.tuning.pool_packets, *frame_size);
  if (!pool.ok()) return pool.error();
  e->pool_ = std::move(*pool);
  e->to_free_.reserve(1024);

  if (!opt.trace_path.empty()) {
    auto t = TraceWriter::open(opt.trace_path);
    if (!t.ok()) return t.error();
    e->trace_ = std::move(*t);
  }
  FL_TRY(e->open_events());
  e->margin_ns_ = cfg.tuning.spin_ns;
  e->rt_ = RtGuard::for_current_thread();
  e->started_ns_ = mono_ns();
  return e;
}

Result<uint32_t> Engine::open_ports() {
  // Every port in config order: links (a, b), then segment members.
  std::vector<std::string> names;
  for (const auto& l : cfg_.links) {
    names.push_back(l.a_port);
    names.push_back(l.b_port);
  }
  for (const auto& s : cfg_.segments) names.insert(names.end(), s.ports.begin(), s.ports.end());

  // Ring frames and pool slots are sized for the largest MTU: the header
  // room below covers tpacket2_hdr + sockaddr_ll, the virtio header, the
  // Ethernet header and a VLAN tag put back in.
  int max_mtu = 1500;
  for (const auto& n : names) {
    auto mtu = interface_mtu(n);
    if (!mtu.ok()) return mtu.error();
    max_mtu = std::max(max_mtu, *mtu);
  }
  uint32_t frame_size = 2048;
  while (frame_size < static_cast<uint32_t>(max_mtu) + 160) frame_size <<= 1;

  PortOptions po;
  po.ring = cfg_.tuning.rx_ring;
  po.ring_frames = cfg_.tuning.ring_frames;
  po.frame_size = frame_size;
  po.v3_block_timeout_ms = cfg_.tuning.v3_block_timeout_ms;
  for (const auto& n : names) {
    // GRO on a fabric port would merge frames before the ring sees them.
    if (auto st = disable_receive_offloads(n); !st.ok()) log("warning: " + st.error().message());
    disable_ipv6(n);
    auto p = Port::open(n, po);
    if (!p.ok()) return p.error();
    ports_.push_back(std::move(*p));
  }
  roles_.resize(ports_.size());
  return frame_size;
}

void Engine::build_pipes() {
  int32_t port = 0;
  for (const auto& l : cfg_.links) {
    const int32_t a = port++, b = port++;
    for (int d = 0; d < 2; ++d) {
      Pipe p;
      p.name = l.name;
      p.dir = d == 0 ? "a->b" : "b->a";
      p.out_port = d == 0 ? b : a;
      p.rng.reseed(pipe_seed(cfg_.seed, l.name, p.dir));
      p.set(d == 0 ? l.a_to_b : l.b_to_a);
      roles_[d == 0 ? a : b].pipe = static_cast<int32_t>(pipes_.size());
      pipes_.push_back(std::move(p));
    }
  }
  for (const auto& s : cfg_.segments) {
    Segment seg;
    seg.name = s.name;
    seg.pipe = static_cast<int32_t>(pipes_.size());
    Pipe p;
    p.name = s.name;
    p.dir = "seg";
    p.segment = static_cast<int32_t>(segments_.size());
    p.rng.reseed(pipe_seed(cfg_.seed, s.name, p.dir));
    p.set(s.impairment);
    pipes_.push_back(std::move(p));
    for (size_t i = 0; i < s.ports.size(); ++i) {
      roles_[port] = {seg.pipe, static_cast<int32_t>(segments_.size())};
      seg.ports.push_back(port++);
    }
    segments_.push_back(std::move(seg));
  }
}

Status Engine::open_events() {
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) return sys_error("epoll_create1");
  auto add = [&](int fd, uint64_t tag, const std::string& what) -> Status {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) return sys_error("epoll add " + what);
    return {};
  };
  for (size_t i = 0; i < ports_.size(); ++i) FL_TRY(add(ports_[i].fd(), kTagPort | i, ports_[i].name()));

  timer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!timer_.valid()) return sys_error("timerfd_create");
  FL_TRY(add(timer_.get(), kTagTimer, "timerfd"));

  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  if (::pthread_sigmask(SIG_BLOCK, &sigs, nullptr) != 0) return logic_error("block SIGINT/SIGTERM");
  signal_.reset(::signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signal_.valid()) return sys_error("signalfd");
  FL_TRY(add(signal_.get(), kTagSignal, "signalfd"));

  // Last: a client that can connect may assume every port is open.
  if (!cfg_.control.empty()) {
    auto c = ControlServer::listen(cfg_.control, epoll_.get(), kTagControl);
    if (!c.ok()) return c.error();
    control_ = std::move(*c);
  }
  return {};
}

Engine::~Engine() { trace_.flush(); }

Status Engine::run() {
  while (!stop_) {
    int64_t now = mono_ns();
    if (rt_.pace(now)) now = mono_ns();
    real_minus_mono_ = real_ns() - now;
    release_due(now);
    if (poll_ports(now)) {
      last_rx_ns_ = now;
      if (now - last_event_poll_ > kEventPollNs) FL_TRY(wait_events(-1));
      continue;
    }
    const int64_t next = next_due();
    now = mono_ns();
    if (next <= now) continue;
    const int64_t margin = spin_margin();
    if (next - now <= margin) {
      spin_until(next);
      continue;
    }
    if (now - last_rx_ns_ < cfg_.tuning.rx_poll_ns) {
      spin_until(std::min(next - margin, last_rx_ns_ + cfg_.tuning.rx_poll_ns));
      if (now - last_event_poll_ > kEventPollNs) FL_TRY(wait_events(-1));
      continue;
    }
    FL_TRY(wait_events(next));
  }
  trace_.flush();
  return {};
}

bool Engine::poll_ports(int64_t now) {
  bool any = false;
  RxFrame f;
  for (size_t i = 0; i < ports_.size(); ++i) {
    Port& p = ports_[i];
    for (uint32_t n = 0; n < kRxBudget && p.peek(f); ++n) {
      on_frame(static_cast<int32_t>(i), f, now);
      p.consume();
      any = true;
    }
  }
  return any;
}

void Engine::on_frame(int32_t port, const RxFrame& f, int64_t now) {
  const PortRole& role = roles_[port];
  Pipe& pipe = pipes_[role.pipe];

  // Delay counts from when the kernel put the frame in the ring, not from
  // when this loop got to it.
  int64_t arrival = f.ts_real_ns - real_minus_mono_;
  if (arrival > now) arrival = now;  // the two clock reads straddle the stamp
  if (arrival < now - kMaxRingAgeNs) {
    arrival = now;
    ++unstamped_;
  }

  int32_t out = pipe.out_port, in = -1;
  if (role.segment >= 0) {
    Segment& seg = segments_[role.segment];
    if (f.len < kVnetHdrLen + 14) return;  // not even an Ethernet header
    const uint8_t* eth = f.data + kVnetHdrLen;
    const uint64_t dst = mac_at(eth), src = mac_at(eth + 6);
    if (!mac_is_group(src)) seg.table.learn(src, port, now);
    out = -1;
    if (!mac_is_group(dst)) {
      if (auto p = seg.table.lookup(dst, now)) out = *p;
    }
    if (out == port) {  // both ends behind the same port: a switch filters it
      ++seg.filtered;
      return;
    }
    if (out < 0) ++seg.flooded;
    in = port;
  }

  const uint64_t seq = pipe.seq++;
  ++pipe.c.rx_packets;
  pipe.c.rx_bytes += f.wire_len;
  if (f.truncated()) {
    ++pipe.c.dropped_oversize;
    if (!warned_oversize_) {
      warned_oversize_ = true;
      log("warning: port " + ports_[port].name() + " received a " + std::to_string(f.wire_len) +
          "-byte frame, larger than the MTU: segmentation offload (TSO/GSO) is on at the sender; "
          "turn it off there (faultline::netem::disable_offloads). Such frames are dropped.");
    }
    trace(pipe, seq, "drop-oversize", 0);
    return;
  }

  const Decision d = pipe.model.decide(pipe.rng);
  if (d.lost) {
    ++pipe.c.dropped_loss;
    trace(pipe, seq, "drop-loss", 0);
    return;
  }
  const bool queued = admit(pipe, f, d, arrival, out, in);
  if (trace_.enabled()) {
    std::string v;
    if (!queued) v = "drop-queue";
    else {
      if (d.duplicate) v += "+dup";
      if (d.corrupt) v += "+corrupt";
      if (d.reorder) v += "+reorder";
      v = v.empty() ? "pass" : v.substr(1);
    }
    trace(pipe, seq, v, queued ? d.delay_ns : 0);
  }
  if (!d.duplicate) return;

  // The copy goes through the pipe again, duplication off (netem re-enqueues it).
  ++pipe.c.duplicated;
  const Decision d2 = pipe.model.decide(pipe.rng, /*allow_duplicate=*/false);
  if (d2.lost) {
    ++pipe.c.dropped_loss;
    trace(pipe, seq, "copy:drop-loss", 0);
    return;
  }
  const bool queued2 = admit(pipe, f, d2, arrival, out, in);
  if (trace_.enabled()) {
    std::string v = queued2 ? "copy" : "copy:drop-queue";
    if (queued2 && d2.corrupt) v += "+corrupt";
    if (queued2 && d2.reorder) v += "+reorder";
    trace(pipe, seq, v, queued2 ? d2.delay_ns : 0);
  }
}

bool Engine::admit(Pipe& pipe, const RxFrame& f, const Decision& d, int64_t arrival, int32_t out, int32_t in) {
  auto slot = pool_.alloc();
  if (!slot) {
    ++pool_exhausted_;
    ++pipe.c.dropped_queue;
    return false;
  }
  uint8_t* buf = pool_.data(*slot);
  std::memcpy(buf, f.data, f.len);
  uint32_t len = f.len;
  if (f.vlan) len = reinsert_vlan_tag(buf, len, f.vlan_tpid, f.vlan_tci);
  if (d.corrupt) {
    complete_checksum(buf, len);
    flip_payload_bit(buf, len, d.corrupt_pick);
    ++pipe.c.corrupted;
  }
  QueuedPacket qp;
  qp.slot = *slot;
  qp.len = len - kVnetHdrLen;
  qp.out_port = out;
  qp.in_port = in;
  if (!pipe.queue.enqueue(qp, arrival, d.delay_ns, d.reorder)) {
    pool_.free(*slot);
    ++pipe.c.dropped_queue;
    return false;
  }
  if (d.reorder) ++pipe.c.reordered;
  return true;
}

void Engine::release_due(int64_t now) {
  bool sent = false;
  for (Pipe& pipe : pipes_) {
    while (!pipe.queue.empty() && pipe.queue.head_due() <= now) {
      const QueuedPacket p = pipe.queue.pop();
      lateness_hist_.record(now - p.due_ns);
      const uint8_t* data = pool_.data(p.slot);
      const uint32_t n = p.len + kVnetHdrLen;
      if (pipe.segment < 0) {
        ports_[pipe.out_port].queue_tx(data, n);
      } else if (p.out_port >= 0) {
        ports_[p.out_port].queue_tx(data, n);
      } else {
        for (int32_t q : segments_[pipe.segment].ports)
          if (q != p.in_port) ports_[q].queue_tx(data, n);
      }
      ++pipe.c.tx_packets;
      pipe.c.tx_bytes += p.len;
      to_free_.push_back(p.slot);
      sent = true;
    }
  }
  if (!sent) return;
  if (last_release_ns_ != 0) release_gap_ns_ += (now - last_release_ns_ - release_gap_ns_) / 8;
  last_release_ns_ = now;
  for (Port& p : ports_)
    if (p.tx_pending()) p.flush();
  for (uint32_t s : to_free_) pool_.free(s);
  to_free_.clear();
}

int64_t Engine::next_due() const {
  int64_t t = INT64_MAX;
  for (const Pipe& p : pipes_)
    if (!p.queue.empty()) t = std::min(t, p.queue.head_due());
  return t;
}

void Engine::spin_until(int64_t t) {
  RxFrame f;
  for (;;) {
    for (Port& p : ports_)
      if (p.peek(f)) return;  // a frame to stamp and queue: back to the loop
    if (mono_ns() >= t) return;
    __builtin_ia32_pause();
  }
}

void Engine::arm_timer(int64_t at) {
  if (at == armed_at_) return;
  itimerspec its{};
  if (at > 0) {
    its.it_value.tv_sec = at / 1'000'000'000;
    its.it_value.tv_nsec = at % 1'000'000'000;
  }
  ::timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &its, nullptr);
  armed_at_ = at;
}

// next < 0: only look (no blocking); INT64_MAX: nothing queued, sleep until
// an event; otherwise sleep until the spin margin before next.
Status Engine::wait_events(int64_t next) {
  int timeout = -1;
  if (next < 0) timeout = 0;
  else if (next == INT64_MAX) arm_timer(0);
  else arm_timer(std::max<int64_t>(next - spin_margin(), 1));

  epoll_event evs[32];
  const int64_t before = timeout != 0 ? mono_ns() : 0;
  const int n = ::epoll_wait(epoll_.get(), evs, 32, timeout);
  last_event_poll_ = mono_ns();
  if (timeout != 0) rt_.slept(last_event_poll_ - before);
  if (n < 0) {
    if (errno == EINTR) return {};
    return sys_error("epoll_wait");
  }
  for (int i = 0; i < n; ++i) {
    const uint64_t tag = evs[i].data.u64;
    if (tag == kTagTimer) {
      if (armed_at_ > 0) note_timer_lateness(last_event_poll_ - armed_at_);
      uint64_t ticks;
      while (::read(timer_.get(), &ticks, sizeof ticks) > 0) {
      }
      armed_at_ = -1;  // expired: the next arm must really re-arm
    } else if (tag == kTagSignal) {
      signalfd_siginfo si;
      while (::read(signal_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        if (opt_.verbose) log(std::string("signal ") + strsignal(static_cast<int>(si.ssi_signo)) + ": stopping");
        stop_ = true;
      }
    } else if (control_.owns(tag)) {
      control_.on_event(tag, evs[i].events, [this](std::string_view line) { return handle(line); });
    }
    // Port readiness needs no action: the loop drains every ring next.
  }
  return {};
}

int64_t Engine::spin_margin() const {
  // Spinning most of the gap between releases would keep a real-time engine
  // busy beyond its budget (rt_guard.hpp); half the gap at most.
  return std::clamp(std::min(margin_ns_, release_gap_ns_ / 2), cfg_.tuning.spin_ns, cfg_.tuning.spin_max_ns);
}

void Engine::note_timer_lateness(int64_t late_ns) {
  constexpr size_t kWindow = 128;
  if (cfg_.tuning.spin_max_ns <= cfg_.tuning.spin_ns) return;
  if (lateness_.size() < kWindow) {
    lateness_.push_back(late_ns);
  } else {
    lateness_[lateness_next_] = late_ns;
    lateness_next_ = (lateness_next_ + 1) % kWindow;
  }
  // About the 99th percentile of the window (its second-largest value), plus
  // a little for the spin's own granularity.
  std::vector<int64_t> w(lateness_);
  const size_t k = w.size() >= 2 ? w.size() - 2 : 0;
  std::nth_element(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(k), w.end());
  margin_ns_ = std::clamp<int64_t>(w[k] + 5'000, cfg_.tuning.spin_ns, cfg_.tuning.spin_max_ns);
}

void Engine::trace(const Pipe& p, uint64_t seq, const std::string& verdict, int64_t delay) {
  if (trace_.enabled()) trace_.record(p.name, p.dir, seq, verdict.c_str(), delay);
}

json Engine::handle(std::string_view line) {
  auto req = parse_engine_request(line);
  if (!req.ok()) return error_response(req.error().message());
  switch (req->op) {
    case EngineRequest::Op::kPing: return json{{"ok", true}, {"pong", true}};
    case EngineRequest::Op::kStats: return stats(req->reset_lateness);
    case EngineRequest::Op::kGet: return impairments();
    case EngineRequest::Op::kSet: return set_impairment(*req);
    case EngineRequest::Op::kStop:
      stop_ = true;
      return json{{"ok", true}};
  }
  return error_response("unknown request");
}

json Engine::stats(bool reset_lateness) {
  json links = json::object(), segs = json::object(), ports = json::object();
  for (size_t i = 0; i < cfg_.links.size(); ++i)
    links[cfg_.links[i].name] = {{"a->b", counters_json(pipes_[2 * i])}, {"b->a", counters_json(pipes_[2 * i + 1])}};
  for (const Segment& s : segments_) {
    json c = counters_json(pipes_[s.pipe]);
    c["flooded"] = s.flooded;
    c["filtered"] = s.filtered;
    c["mac_entries"] = s.table.size();
    segs[s.name] = c;
  }
  for (Port& p : ports_) {
    const PortCounters& c = p.counters();
    ports[p.name()] = {{"ring_drops", c.ring_drops}, {"tx_errors", c.tx_errors}};
  }
  json out{{"ok", true},
              {"uptime_ns", mono_ns() - started_ns_},
              {"spin_margin_ns", spin_margin()},
              {"release_late_ns",
               {{"count", lateness_hist_.count()},
                {"p50", lateness_hist_.quantile_ns(0.5)},
                {"p99", lateness_hist_.quantile_ns(0.99)},
                {"p999", lateness_hist_.quantile_ns(0.999)},
                {"max", lateness_hist_.quantile_ns(1.0)}}},
              {"rx_unstamped", unstamped_},
              {"realtime", rt_.active()},
              {"rt_duty_sleeps", rt_.duty_sleeps()},
              {"softirq_yields", rt_.softirq_yields()},
              {"links", links},
              {"segments", segs},
              {"ports", ports},
              {"pool", {{"capacity", pool_.capacity()}, {"in_use", pool_.in_use()}, {"exhausted", pool_exhausted_}}}};
  if (reset_lateness) lateness_hist_.reset();
  return out;
}

json Engine::impairments() const {
  json links = json::object(), segs = json::object();
  for (size_t i = 0; i < cfg_.links.size(); ++i)
    links[cfg_.links[i].name] = {{"a->b", pipes_[2 * i].model.impairment()},
                                 {"b->a", pipes_[2 * i + 1].model.impairment()}};
  for (const Segment& s : segments_) segs[s.name] = pipes_[s.pipe].model.impairment();
  return json{{"ok", true}, {"links", links}, {"segments", segs}};
}

json Engine::set_impairment(const EngineRequest& req) {
  std::vector<Pipe*> targets;
  if (!req.segment) {
    for (size_t i = 0; i < cfg_.links.size(); ++i) {
      if (cfg_.links[i].name != req.name) continue;
      if (req.dir != EngineRequest::Dir::kBtoA) targets.push_back(&pipes_[2 * i]);
      if (req.dir != EngineRequest::Dir::kAtoB) targets.push_back(&pipes_[2 * i + 1]);
    }
    if (targets.empty()) return error_response("no link '" + req.name + "'");
  } else {
    for (const Segment& seg : segments_)
      if (seg.name == req.name) targets.push_back(&pipes_[seg.pipe]);
    if (targets.empty()) return error_response("no segment '" + req.name + "'");
  }
  // Between two packets (the loop is single-threaded): queued packets keep
  // their due times, the next packet sees the new impairment.
  for (Pipe* p : targets) {
    p->set(req.impairment);
    log("set " + p->name + " " + p->dir + ": " + describe(req.impairment));
  }
  return json{{"ok", true}};
}

}  // namespace faultline::netem::engine
