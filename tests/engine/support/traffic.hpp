// SPDX-License-Identifier: Apache-2.0
// Test traffic: UDP probes carrying CLOCK_MONOTONIC send times, TCP bulk
// transfers with the sender's TCP_INFO, TCP connect timing. Sockets are
// created inside the given namespace (in_ns) and then used from test threads.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "base/fd.hpp"
#include "tests/engine/support/testnet.hpp"

namespace fl_engine_test {

using faultline::UniqueFd;

inline int64_t mono_now() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline void sleep_until_ns(int64_t t) {
  timespec ts{static_cast<time_t>(t / 1'000'000'000), static_cast<long>(t % 1'000'000'000)};
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

inline sockaddr_in addr(const std::string& ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

inline UniqueFd socket_in(const std::string& ns, int type, const std::string& bind_ip = "", uint16_t port = 0) {
  return in_ns(ns, [&] {
    UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (!bind_ip.empty()) {
      auto a = addr(bind_ip, port);
      if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) fd.reset();
    }
    return fd;
  });
}

inline int64_t median(std::vector<int64_t> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// One-way UDP probes: the sender in ns_from sends n datagrams at interval_ns,
// each carrying its sequence number and CLOCK_MONOTONIC send time, taken
// just before sendto; the receiver (same host, same clock) takes the
// kernel's receive time (SO_TIMESTAMPNS, CLOCK_REALTIME, moved to the
// monotonic clock), so its own wake-up latency is not measured.
struct ProbeResult {
  std::vector<int64_t> one_way_ns;  // in arrival order
  std::vector<uint32_t> seqs;
  uint32_t sent = 0;
};

inline int64_t real_minus_mono() {
  timespec r, m;
  ::clock_gettime(CLOCK_REALTIME, &r);
  ::clock_gettime(CLOCK_MONOTONIC, &m);
  return (static_cast<int64_t>(r.tv_sec) - m.tv_sec) * 1'000'000'000 + (r.tv_nsec - m.tv_nsec);
}

inline ProbeResult udp_probes(const std::string& ns_from, const std::string& ns_to, const std::string& to_ip,
                              uint32_t n, int64_t interval_ns, int64_t drain_ns = 300'000'000,
                              uint32_t payload = 64) {
  UniqueFd rx = socket_in(ns_to, SOCK_DGRAM, to_ip, 9000);
  UniqueFd tx = socket_in(ns_from, SOCK_DGRAM);
  const int big = 8 << 20, on = 1;
  ::setsockopt(rx.get(), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  ::setsockopt(rx.get(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  ProbeResult r;
  std::atomic<bool> done{false};
  std::thread receiver([&] {
    char buf[2048];
    char ctrl[256];
    for (;;) {
      pollfd p{rx.get(), POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) {
        if (done) break;
        continue;
      }
      iovec iov{buf, sizeof buf};
      msghdr mh{};
      mh.msg_iov = &iov;
      mh.msg_iovlen = 1;
      mh.msg_control = ctrl;
      mh.msg_controllen = sizeof ctrl;
      const ssize_t len = ::recvmsg(rx.get(), &mh, MSG_DONTWAIT);
      if (len < 12) continue;
      int64_t rx_mono = mono_now();
      for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          timespec ts;
          std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
          rx_mono = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec - real_minus_mono();
        }
      }
      uint32_t seq;
      int64_t sent;
      std::memcpy(&seq, buf, 4);
      std::memcpy(&sent, buf + 4, 8);
      r.one_way_ns.push_back(rx_mono - sent);
      r.seqs.push_back(seq);
    }
  });
  auto dst = addr(to_ip, 9000);
  std::vector<char> msg(std::max<uint32_t>(payload, 12), 'p');
  const int64_t start = mono_now() + 1'000'000;
  for (uint32_t i = 0; i < n; ++i) {
    sleep_until_ns(start + static_cast<int64_t>(i) * interval_ns);
    const int64_t now = mono_now();
    std::memcpy(msg.data(), &i, 4);
    std::memcpy(msg.data() + 4, &now, 8);
    if (::sendto(tx.get(), msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst) > 0) ++r.sent;
  }
  sleep_until_ns(mono_now() + drain_ns);
  done = true;
  receiver.join();
  return r;
}

// Pins the calling thread (and the threads it starts, which inherit the
// mask) to one CPU for its lifetime; restores the previous mask after. A veth
// hands each sent frame to the backlog of the CPU the sender runs on; when a
// loaded host defers softirqs to ksoftirqd and a sender migrates, frames from
// the new CPU can be delivered before those still queued on the old one. A
// test about the engine's own ordering pins the traffic to the engine's CPU so
// that only the engine could reorder.
class PinnedToCpu {
 public:
  explicit PinnedToCpu(int cpu) {
    ok_ = ::sched_getaffinity(0, sizeof saved_, &saved_) == 0;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ok_ = ok_ && ::sched_setaffinity(0, sizeof one, &one) == 0;
  }
  ~PinnedToCpu() {
    if (ok_) ::sched_setaffinity(0, sizeof saved_, &saved_);
  }
  PinnedToCpu(const PinnedToCpu&) = delete;
  PinnedToCpu& operator=(const PinnedToCpu&) = delete;
  bool ok() const { return ok_; }

 private:
  cpu_set_t saved_{};
  bool ok_ = false;
};

struct BulkResult {
  uint64_t sent_bytes = 0;
  uint64_t received_bytes = 0;
  uint64_t window_bytes = 0;   // received within [warmup, duration]
  double window_s = 0;
  int send_errors = 0;         // send() failures other than would-block
  int last_errno = 0;
  uint32_t total_retrans = 0;  // sender's tcpi_total_retrans
  uint32_t reordering = 0;     // sender's tcpi_reordering (3 unless reordering was seen)
  uint32_t rtt_us = 0;
  bool connected = false;
  double mbit() const { return window_s > 0 ? static_cast<double>(window_bytes) * 8 / window_s / 1e6 : 0; }
};

// A TCP bulk transfer from ns_from to to_ip:port (listener in ns_to) for
// duration_s, or until max_bytes. pacing_bps > 0 caps the sender with
// SO_MAX_PACING_RATE. mid(t) is called once, from the sender thread, at each
// of the times in at_s (seconds after connect).
template <class Mid = void (*)(int)>
BulkResult tcp_bulk(const std::string& ns_from, const std::string& ns_to, const std::string& to_ip, uint16_t port,
                    double duration_s, double warmup_s, uint64_t max_bytes = 0, uint64_t pacing_bps = 0,
                    std::vector<double> at_s = {}, Mid mid = [](int) {}) {
  BulkResult r;
  UniqueFd lst = socket_in(ns_to, SOCK_STREAM, to_ip, port);
  if (!lst.valid() || ::listen(lst.get(), 4) < 0) return r;
  std::atomic<int64_t> t0{0};
  std::atomic<uint64_t> window{0}, total{0};
  const int64_t dur_ns = static_cast<int64_t>(duration_s * 1e9), warm_ns = static_cast<int64_t>(warmup_s * 1e9);
  std::thread receiver([&] {
    pollfd p{lst.get(), POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return;
    UniqueFd c(::accept(lst.get(), nullptr, nullptr));
    std::vector<char> buf(1 << 20);
    for (;;) {
      const ssize_t n = ::recv(c.get(), buf.data(), buf.size(), 0);
      if (n <= 0) break;
      total += static_cast<uint64_t>(n);
      const int64_t t = mono_now() - t0.load();
      if (t0.load() != 0 && t >= warm_ns && t <= dur_ns) window += static_cast<uint64_t>(n);
    }
  });
  UniqueFd s = socket_in(ns_from, SOCK_STREAM);
  if (pacing_bps) {
    const uint64_t bytes_per_s = pacing_bps / 8;
    ::setsockopt(s.get(), SOL_SOCKET, SO_MAX_PACING_RATE, &bytes_per_s, sizeof bytes_per_s);
  }
  auto dst = addr(to_ip, port);
  if (::connect(s.get(), reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0) {
    r.connected = true;
    t0 = mono_now();
    timeval tv{0, 100'000};  // short send timeout: check the clock while blocked
    ::setsockopt(s.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::vector<char> chunk(64 << 10, 'b');
    size_t next_mid = 0;
    for (;;) {
      const int64_t t = mono_now() - t0.load();
      if (t >= dur_ns || (max_bytes && r.sent_bytes >= max_bytes)) break;
      while (next_mid < at_s.size() && t >= static_cast<int64_t>(at_s[next_mid] * 1e9)) mid(static_cast<int>(next_mid++));
      size_t len = chunk.size();
      if (max_bytes) len = std::min<uint64_t>(len, max_bytes - r.sent_bytes);
      const ssize_t n = ::send(s.get(), chunk.data(), len, MSG_NOSIGNAL);
      if (n > 0) r.sent_bytes += static_cast<uint64_t>(n);
      else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        ++r.send_errors;
        r.last_errno = errno;
        break;
      }
    }
    // Wait for the receiver to have everything before reading TCP_INFO.
    ::shutdown(s.get(), SHUT_WR);
    const int64_t deadline = mono_now() + 30'000'000'000;
    while (total.load() < r.sent_bytes && mono_now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    tcp_info ti{};
    socklen_t tl = sizeof ti;
    if (::getsockopt(s.get(), IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0) {
      r.total_retrans = ti.tcpi_total_retrans;
      r.reordering = ti.tcpi_reordering;
      r.rtt_us = ti.tcpi_rtt;
    }
  }
  s.reset();
  receiver.join();
  r.received_bytes = total;
  r.window_bytes = window;
  r.window_s = std::max(0.0, duration_s - warmup_s);
  return r;
}

// Times n TCP connects from ns_from to to_ip:port (listener in ns_to).
inline std::vector<int64_t> connect_times(const std::string& ns_from, const std::string& ns_to, const std::string& to_ip,
                                          uint16_t port, int n) {
  std::vector<int64_t> out;
  UniqueFd lst = socket_in(ns_to, SOCK_STREAM, to_ip, port);
  if (!lst.valid() || ::listen(lst.get(), 128) < 0) return out;
  std::atomic<bool> done{false};
  std::thread acceptor([&] {
    while (!done) {
      pollfd p{lst.get(), POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) UniqueFd c(::accept(lst.get(), nullptr, nullptr));
    }
  });
  auto dst = addr(to_ip, port);
  for (int i = 0; i < n; ++i) {
    UniqueFd s = socket_in(ns_from, SOCK_STREAM);
    const int64_t t = mono_now();
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0) out.push_back(mono_now() - t);
  }
  done = true;
  acceptor.join();
  return out;
}

}  // namespace fl_engine_test
