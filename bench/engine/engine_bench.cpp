// SPDX-License-Identifier: Apache-2.0
// Link engine benchmark: one run measures a direct veth pair (the baseline)
// and the same traffic through faultline-linkd, and prints both with ratios.
//   added-delay error of a 10 ms link at 1k, 10k and 50k packets/s
//   forwarding rate per core at 64 B and 1500 B frames (no impairment)
//   TCP bulk throughput; loss and rate accuracy
//   receive ring TPACKET_V2 against V3 (latency and throughput)
// Needs root; builds its own namespaces (fle<pid>...) and removes them.
// Engine on CPU 1, traffic on CPU 0 (a 2-core machine).
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <net/if.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/utsname.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/engine/support/testnet.hpp"
#include "tests/engine/support/traffic.hpp"

using namespace fl_engine_test;
using faultline::netem::Impairment;
using nlohmann::json;

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int kEngineCpu = 1, kTrafficCpu = 0;

void pin_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

int64_t real_now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void row(const char* what, const std::string& base, const std::string& eng, const std::string& note) {
  std::printf("%-48s %22s %26s   %s\n", what, base.c_str(), eng.c_str(), note.c_str());
}
std::string fmt(const char* f, double a) {
  char b[64];
  std::snprintf(b, sizeof b, f, a);
  return b;
}
std::string fmt3(double a, double b, double c) {
  char s[64];
  std::snprintf(s, sizeof s, "%.1f / %.1f / %.1f", a, b, c);
  return s;
}

struct Pct {
  double p50 = 0, p99 = 0, max = 0;
};
Pct percentiles(std::vector<double> v) {
  Pct p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))]; };
  p.p50 = at(0.5);
  p.p99 = at(0.99);
  p.max = v.back();
  return p;
}

// One-way delays of UDP probes, stamped CLOCK_REALTIME by the sender just
// before sendto and by the receiving kernel (SO_TIMESTAMPNS) on arrival in
// the receiver's namespace: the receiver's wake-up latency is not measured.
struct OneWay {
  std::vector<int64_t> ns;
  uint64_t sent = 0;
};

OneWay one_way(const std::string& from, const std::string& to, const std::string& ip, double pps, double seconds) {
  OneWay r;
  UniqueFd rx = socket_in(to, SOCK_DGRAM, ip, 9100);
  UniqueFd tx = socket_in(from, SOCK_DGRAM);
  const int on = 1, big = 64 << 20;
  setsockopt(rx.get(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  setsockopt(rx.get(), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  std::atomic<bool> done{false};
  std::thread receiver([&] {
    pin_thread(kTrafficCpu);
    constexpr int kBatch = 64;
    char bufs[kBatch][256];
    char ctrl[kBatch][128];
    iovec iov[kBatch];
    mmsghdr msgs[kBatch];
    for (;;) {
      for (int i = 0; i < kBatch; ++i) {
        iov[i] = {bufs[i], sizeof bufs[i]};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_control = ctrl[i];
        msgs[i].msg_hdr.msg_controllen = sizeof ctrl[i];
      }
      pollfd p{rx.get(), POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) {
        if (done) break;
        continue;
      }
      const int n = recvmmsg(rx.get(), msgs, kBatch, MSG_DONTWAIT, nullptr);
      for (int i = 0; i < n; ++i) {
        if (msgs[i].msg_len < 12) continue;
        int64_t sent;
        std::memcpy(&sent, bufs[i] + 4, 8);
        for (cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
          if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            timespec ts;
            std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
            r.ns.push_back(static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec - sent);
          }
        }
      }
    }
  });
  pin_thread(kTrafficCpu);
  auto dst = addr(ip, 9100);
  char msg[64] = {};
  const int64_t interval = static_cast<int64_t>(1e9 / pps);
  const uint64_t n = static_cast<uint64_t>(pps * seconds);
  // Paced in 100 us ticks: each tick sends the probes due by then, each
  // stamped just before its own sendto. Sleeping between ticks (instead of
  // spinning) leaves this CPU to the softirq work that carries the probes
  // into the fabric; a spinning sender would delay them there and the delay
  // would be charged to the engine.
  const int64_t start = mono_now() + 2 * kMs;
  constexpr int64_t kTick = 100'000;
  uint64_t i = 0;
  for (int64_t tick = start; i < n; tick += kTick) {
    sleep_until_ns(tick);
    for (; i < n && start + static_cast<int64_t>(i) * interval <= tick; ++i) {
      const int64_t now = real_now();
      const uint32_t seq = static_cast<uint32_t>(i);
      std::memcpy(msg, &seq, 4);
      std::memcpy(msg + 4, &now, 8);
      if (sendto(tx.get(), msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst) > 0) ++r.sent;
    }
  }
  sleep_until_ns(mono_now() + 300 * kMs);
  done = true;
  receiver.join();
  return r;
}

// Raw frames from A's eth0 (AF_PACKET, qdisc bypassed), addressed to a MAC
// nobody has: the far end drops them right after counting them, so what is
// measured is the path, not the receiver's stack. pps = 0: flat out.
uint64_t blast(const std::string& ns, uint32_t frame_len, double seconds, double pps, uint64_t max_frames = 0) {
  UniqueFd fd = in_ns(ns, [] { return UniqueFd(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)); });
  const int ifindex = in_ns(ns, [] { return static_cast<int>(if_nametoindex("eth0")); });
  const int one = 1;
  setsockopt(fd.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = ifindex;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) return 0;
  std::vector<uint8_t> f(frame_len, 0);
  const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x99}, src[6] = {0x02, 0, 0, 0, 0, 0x01};
  std::memcpy(f.data(), dst, 6);
  std::memcpy(f.data() + 6, src, 6);
  f[12] = 0x08;
  f[14] = 0x45;
  const uint16_t iplen = static_cast<uint16_t>(frame_len - 14);
  f[16] = static_cast<uint8_t>(iplen >> 8), f[17] = static_cast<uint8_t>(iplen);
  f[22] = 64, f[23] = 17;
  f[26] = 10, f[29] = 1, f[30] = 10, f[33] = 2;
  constexpr int kBatch = 32;
  iovec iov{f.data(), f.size()};
  mmsghdr msgs[kBatch];
  for (auto& m : msgs) {
    m = {};
    m.msg_hdr.msg_iov = &iov;
    m.msg_hdr.msg_iovlen = 1;
  }
  pin_thread(kTrafficCpu);
  uint64_t sent = 0;
  const int64_t start = mono_now(), end = start + static_cast<int64_t>(seconds * 1e9);
  for (int64_t now = start; now < end; now = mono_now()) {
    if (pps > 0) {
      const auto due = static_cast<uint64_t>(static_cast<double>(now - start) * pps / 1e9);
      if (sent >= due) {
        sleep_until_ns(now + 20'000);
        continue;
      }
    }
    unsigned batch = kBatch;
    if (max_frames) {
      if (sent >= max_frames) break;
      batch = static_cast<unsigned>(std::min<uint64_t>(kBatch, max_frames - sent));
    }
    const int n = sendmmsg(fd.get(), msgs, batch, 0);
    if (n > 0) sent += static_cast<uint64_t>(n);
  }
  return sent;
}

struct IfStats {
  uint64_t rx_packets = 0, rx_bytes = 0;
};
IfStats if_stats(const std::string& ns, const std::string& dev) {
  IfStats s;
  json j = json::parse(sh_out("ip -s -j -n " + ns + " link show " + dev), nullptr, false);
  if (j.is_array() && !j.empty()) {
    s.rx_packets = j[0]["stats64"]["rx"]["packets"];
    s.rx_bytes = j[0]["stats64"]["rx"]["bytes"];
  }
  return s;
}

double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  std::istringstream in(s.substr(s.rfind(')') + 2));
  std::string tok;
  unsigned long long utime = 0, stime = 0;
  for (int field = 3; in >> tok; ++field) {
    if (field == 14) utime = std::stoull(tok);
    if (field == 15) {
      stime = std::stoull(tok);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

json engine_config(const Impairment& ab, const std::string& ring) {
  json c = link_config("ab", "p0", "p1", ab, Impairment{}, 1);
  c["tuning"] = {{"rx_ring", ring}};
  // FL_BENCH_TUNING='{"rx_poll_ns":0}' tries other engine tuning.
  if (const char* t = std::getenv("FL_BENCH_TUNING")) c["tuning"].update(json::parse(t));
  return c;
}

struct Forwarding {
  double pps = 0, gbit = 0, cpu = 0;  // cpu: share of one core used by the engine process
  double offered_pps = 0;             // what the generator sent
  double busy[2] = {0, 0};            // CPU 0 and 1 busy share (all tasks, softirq included)
};

// Busy and total jiffies per CPU from /proc/stat.
std::vector<std::pair<uint64_t, uint64_t>> cpu_jiffies() {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  std::ifstream f("/proc/stat");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("cpu", 0) != 0 || line.size() < 4 || !isdigit(static_cast<unsigned char>(line[3]))) continue;
    std::istringstream in(line);
    std::string name;
    uint64_t v[8] = {};
    in >> name;
    for (auto& x : v) in >> x;
    const uint64_t idle = v[3] + v[4];
    uint64_t total = 0;
    for (auto x : v) total += x;
    out.emplace_back(total - idle, total);
  }
  return out;
}

// Forwarding rate over the middle of a flat-out blast. With an engine the
// engine's own transmit counter is used; on the baseline, B's receive counter.
Forwarding forward_rate(const TestNet& net, EngineProc* eng, uint32_t frame_len) {
  constexpr double kSeconds = 3.0;
  Forwarding r;
  uint64_t sent = 0;
  std::thread gen([&] { sent = blast(net.node(0), frame_len, kSeconds, 0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  auto count = [&]() -> uint64_t {
    if (!eng) return if_stats(net.node(1), "eth0").rx_packets;
    auto st = eng->request({{"op", "stats"}});
    return st.ok() ? (*st)["links"]["ab"]["a->b"]["tx_packets"].get<uint64_t>() : 0;
  };
  const uint64_t c0 = count();
  const double cpu0 = eng ? cpu_seconds(eng->pid()) : 0;
  const auto j0 = cpu_jiffies();
  const int64_t t0 = mono_now();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const uint64_t c1 = count();
  const double cpu1 = eng ? cpu_seconds(eng->pid()) : 0;
  const auto j1 = cpu_jiffies();
  for (size_t i = 0; i < 2 && i < j0.size() && i < j1.size(); ++i)
    r.busy[i] = static_cast<double>(j1[i].first - j0[i].first) / static_cast<double>(j1[i].second - j0[i].second);
  const double dt = static_cast<double>(mono_now() - t0) / 1e9;
  gen.join();
  r.offered_pps = static_cast<double>(sent) / kSeconds;
  r.pps = static_cast<double>(c1 - c0) / dt;
  r.gbit = r.pps * frame_len * 8 / 1e9;
  r.cpu = eng ? (cpu1 - cpu0) / dt : 0;
  return r;
}

// The engine's forwarding capacity on its one core, free of the generator:
// the engine is stopped (SIGSTOP) while n frames are queued in its receive
// ring, then resumed; capacity = n / time until it has sent them all.
struct Drain {
  double pps = 0;
  uint64_t frames = 0, ring_drops = 0;
};

Drain drain_rate(const TestNet& net, EngineProc& eng, uint32_t frame_len, uint64_t n) {
  Drain d;
  auto tx = [&]() -> uint64_t {
    auto st = eng.request({{"op", "stats"}}, 200);
    return st.ok() ? (*st)["links"]["ab"]["a->b"]["tx_packets"].get<uint64_t>() : 0;
  };
  // Let what an earlier measurement left in the ring go out first.
  uint64_t before = tx();
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const uint64_t t = tx();
    if (t == before) break;
    before = t;
  }
  ::kill(eng.pid(), SIGSTOP);
  const uint64_t sent = blast(net.node(0), frame_len, 10.0, 300'000, n);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int64_t t0 = mono_now();
  ::kill(eng.pid(), SIGCONT);
  uint64_t last = before;
  int64_t t_last = t0;
  for (int stable = 0; stable < 100;) {  // until 100 ms without progress
    std::this_thread::sleep_for(std::chrono::microseconds(500));
    const uint64_t now_tx = tx();
    if (now_tx != last) {
      last = now_tx;
      t_last = mono_now();
      stable = 0;
    } else {
      ++stable;
    }
    if (last - before >= sent) break;
  }
  d.frames = last - before;
  d.ring_drops = sent > d.frames ? sent - d.frames : 0;
  d.pps = static_cast<double>(d.frames) / (static_cast<double>(t_last - t0) / 1e9);
  return d;
}

struct DelayErr {
  Pct err_us;
  Pct release_late_us;  // the engine's own view: send time - due time
  std::string engine_notes;
  double base_p50_us = 0;
  size_t samples = 0;
  uint64_t sent = 0;
};

// |one-way through the 10 ms engine link - 10 ms - baseline median|.
DelayErr delay_error(const TestNet& net, EngineProc& eng, double pps, double base_p50_ns) {
  constexpr double kSeconds = 2.0;
  (void)eng.request({{"op", "stats"}, {"reset_lateness", true}});
  auto ow = one_way(net.node(0), net.node(1), TestNet::ip(1), pps, kSeconds);
  DelayErr e;
  if (auto st = eng.request({{"op", "stats"}}); st.ok()) {
    const json& l = (*st)["release_late_ns"];
    e.release_late_us = {l["p50"].get<double>() / 1000, l["p99"].get<double>() / 1000, l["max"].get<double>() / 1000};
    e.engine_notes = fmt("margin %.0f us", (*st)["spin_margin_ns"].get<double>() / 1000) +
                     fmt(", duty sleeps %.0f", (*st)["rt_duty_sleeps"].get<double>()) +
                     fmt(", softirq yields %.0f", (*st)["softirq_yields"].get<double>());
  }
  std::vector<double> err;
  for (int64_t d : ow.ns) err.push_back(std::abs(static_cast<double>(d) - 10.0 * kMs - base_p50_ns) / 1000.0);
  e.err_us = percentiles(err);
  e.samples = ow.ns.size();
  e.sent = ow.sent;
  return e;
}

}  // namespace

namespace {

struct Setup {
  TestNet direct{2, /*direct=*/true};
  TestNet direct_on{2, /*direct=*/true, /*offloads_off=*/false};
  TestNet via{2};
  std::vector<std::string> pin = {"--cpu", std::to_string(kEngineCpu)};
  bool ok() const { return direct.ok() && direct_on.ok() && via.ok(); }
};

// Variants: the default engine (TPACKET_V2 ring, SCHED_FIFO), the same with
// normal scheduling, and a TPACKET_V3 ring.
struct Variant {
  std::string label, ring;
  std::vector<std::string> args;
};
std::vector<Variant> variants(const Setup& s) {
  std::vector<std::string> cfs = s.pin;
  cfs.insert(cfs.end(), {"--realtime", "0"});
  return {{"engine", "v2", s.pin},
          {"  same, --realtime 0 (normal scheduling)", "v2", cfs},
          {"  same, TPACKET_V3 ring", "v3", s.pin}};
}

bool section_delay(Setup& s) {
  Impairment ten_ms;
  ten_ms.delay_ns = 10 * kMs;
  const auto vs = variants(s);
  std::map<double, Pct> base_lat;
  for (double pps : {1000.0, 10000.0, 50000.0}) {
    auto b = one_way(s.direct.node(0), s.direct.node(1), TestNet::ip(1), pps, 2.0);
    std::vector<double> v;
    for (int64_t d : b.ns) v.push_back(static_cast<double>(d));
    base_lat[pps] = percentiles(v);
  }
  std::vector<std::map<double, DelayErr>> derr(vs.size());
  std::vector<Pct> zero_lat(vs.size());
  for (size_t vi = 0; vi < vs.size(); ++vi) {
    EngineProc eng(s.via, engine_config(Impairment{}, vs[vi].ring), "", "d" + std::to_string(vi), vs[vi].args);
    if (!eng.ready()) {
      std::fprintf(stderr, "engine did not start:\n%s\n", eng.log().c_str());
      return false;
    }
    // What the engine adds to a link without impairment.
    auto z = one_way(s.via.node(0), s.via.node(1), TestNet::ip(1), 1000, 2.0);
    std::vector<double> v;
    for (int64_t d : z.ns) v.push_back(static_cast<double>(d));
    zero_lat[vi] = percentiles(v);
    if (!eng.request({{"op", "set"}, {"link", "ab"}, {"dir", "a->b"}, {"impairment", ten_ms}}).ok()) return false;
    for (double pps : {1000.0, 10000.0, 50000.0}) derr[vi][pps] = delay_error(s.via, eng, pps, base_lat[pps].p50);
  }
  for (size_t vi = 0; vi < vs.size(); ++vi) {
    const Pct& b = base_lat[1000.0];
    row(vi == 0 ? "one-way latency, no impairment, p50/p99/max us" : vs[vi].label.c_str(),
        vi == 0 ? fmt3(b.p50 / 1000, b.p99 / 1000, b.max / 1000) : "",
        fmt3(zero_lat[vi].p50 / 1000, zero_lat[vi].p99 / 1000, zero_lat[vi].max / 1000),
        fmt("adds %.1f us at p50", (zero_lat[vi].p50 - b.p50) / 1000));
  }
  for (double pps : {1000.0, 10000.0, 50000.0}) {
    const Pct& b = base_lat[pps];
    for (size_t vi = 0; vi < vs.size(); ++vi) {
      const auto& e = derr[vi][pps];
      std::string label = vi == 0 ? "10 ms link: error p50/p99/max us @" + fmt("%.0fk pps", pps / 1000) : vs[vi].label;
      std::string note = "engine-internal " + fmt3(e.release_late_us.p50, e.release_late_us.p99, e.release_late_us.max) +
                         fmt("; %.0f", static_cast<double>(e.samples)) + fmt("/%.0f probes", static_cast<double>(e.sent));
      if (pps == 10000.0 && vi == 0)
        note += e.err_us.p99 < 100 ? "; target p99 < 100 us: met" : "; target p99 < 100 us: MISSED";
      if (std::getenv("FL_BENCH_VERBOSE")) note += "; " + e.engine_notes;
      row(label.c_str(), vi == 0 ? fmt3(b.p50 / 1000, b.p99 / 1000, b.max / 1000) + " lat" : "",
          fmt3(e.err_us.p50, e.err_us.p99, e.err_us.max), note);
    }
  }
  return true;
}

bool section_forward(Setup& s) {
  const auto vs = variants(s);
  constexpr uint64_t kDrainFrames = 60'000;
  std::map<uint32_t, Forwarding> base_fwd;
  std::vector<std::map<uint32_t, Forwarding>> fwd(vs.size());
  std::vector<std::map<uint32_t, Drain>> drain(vs.size());
  for (uint32_t len : {60u, 1514u}) base_fwd[len] = forward_rate(s.direct, nullptr, len);
  for (size_t vi = 0; vi < vs.size(); ++vi) {
    json cfg = engine_config(Impairment{}, vs[vi].ring);
    cfg["tuning"]["ring_frames"] = 65536;  // room for the drain measurement
    EngineProc eng(s.via, cfg, "", "f" + std::to_string(vi), vs[vi].args);
    if (!eng.ready()) return false;
    for (uint32_t len : {60u, 1514u}) {
      fwd[vi][len] = forward_rate(s.via, &eng, len);
      drain[vi][len] = drain_rate(s.via, eng, len, kDrainFrames);
    }
  }
  for (uint32_t len : {60u, 1514u}) {
    const auto& b = base_fwd[len];
    const std::string size = len == 60 ? "64 B" : "1500 B";
    for (size_t vi = 0; vi < vs.size(); ++vi) {
      const auto& e = fwd[vi][len];
      row(vi == 0 ? ("forwarding " + size + ", live: kpps, Gbit/s").c_str() : vs[vi].label.c_str(),
          vi == 0 ? fmt("%.0f", b.pps / 1000) + fmt(", %.2f", b.gbit) : "",
          fmt("%.0f", e.pps / 1000) + fmt(", %.2f", e.gbit) + fmt(" (%.0f%% cpu)", e.cpu * 100),
          fmt("ratio %.2f; ", e.pps / b.pps) + fmt("generator %.0f kpps", e.offered_pps / 1000) +
              fmt(", CPU0/1 busy %.0f", e.busy[0] * 100) + fmt("/%.0f%%", e.busy[1] * 100));
    }
    for (size_t vi = 0; vi < vs.size(); ++vi) {
      const auto& d = drain[vi][len];
      const double gbit = d.pps * len * 8 / 1e9;
      std::string target = len == 60 ? (d.pps >= 300'000 ? "target 300 kpps: met" : "target 300 kpps: MISSED")
                                     : (gbit >= 1.0 ? "target 1 Gbit/s: met" : "target 1 Gbit/s: MISSED");
      row(vi == 0 ? ("engine capacity per core, " + size + ": kpps, Gbit/s").c_str() : vs[vi].label.c_str(),
          vi == 0 ? fmt("%.0f", b.pps / 1000) + fmt(", %.2f (1 core)", b.gbit) : "",
          fmt("%.0f", d.pps / 1000) + fmt(", %.2f", gbit),
          fmt("ratio %.2f; ", d.pps / b.pps) + target + fmt(" (%.0f frames drained", static_cast<double>(d.frames)) +
              fmt(", %.0f lost)", static_cast<double>(d.ring_drops)));
    }
  }
  return true;
}

bool section_tcp(Setup& s) {
  auto on = tcp_bulk(s.direct_on.node(0), s.direct_on.node(1), TestNet::ip(1), 7100, 3.0, 0.5);
  auto off = tcp_bulk(s.direct.node(0), s.direct.node(1), TestNet::ip(1), 7101, 3.0, 0.5);
  EngineProc eng(s.via, engine_config(Impairment{}, "v2"), "", "tcp", s.pin);
  if (!eng.ready()) return false;
  auto e = tcp_bulk(s.via.node(0), s.via.node(1), TestNet::ip(1), 7102, 3.0, 0.5);
  row("TCP bulk, Gbit/s (offloads off)", fmt("%.2f", off.mbit() / 1000), fmt("%.2f", e.mbit() / 1000),
      fmt("ratio %.2f", e.mbit() / off.mbit()) + fmt("; veth with TSO/GSO on: %.2f Gbit/s", on.mbit() / 1000));
  return true;
}

bool section_accuracy(Setup& s) {
  {
    Impairment loss;
    loss.loss_ppm = 100'000;
    auto b = one_way(s.direct.node(0), s.direct.node(1), TestNet::ip(1), 20000, 1.0);
    EngineProc eng(s.via, engine_config(loss, "v2"), "", "loss", s.pin);
    if (!eng.ready()) return false;
    auto e = one_way(s.via.node(0), s.via.node(1), TestNet::ip(1), 20000, 1.0);
    const double lb = 100.0 * (1 - static_cast<double>(b.ns.size()) / static_cast<double>(b.sent));
    const double le = 100.0 * (1 - static_cast<double>(e.ns.size()) / static_cast<double>(e.sent));
    const double sigma = 100.0 * std::sqrt(0.1 * 0.9 / static_cast<double>(e.sent));
    row("loss 10%, measured % (20k probes)", fmt("%.2f", lb), fmt("%.2f", le),
        fmt("ratio %.3f", le / 10.0) + fmt("; %.1f sigma off", std::abs(le - 10.0) / sigma));
  }
  for (uint64_t rate : {10'000'000ull, 100'000'000ull}) {
    Impairment r;
    r.rate_bps = rate;
    r.delay_ns = 1 * kMs;
    EngineProc eng(s.via, engine_config(r, "v2"), "", "rate", s.pin);
    if (!eng.ready()) return false;
    const double offered_pps = 1.5 * static_cast<double>(rate) / (1514 * 8);
    std::thread gen([&] { blast(s.via.node(0), 1514, 3.0, offered_pps); });
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    const IfStats s0 = if_stats(s.via.node(1), "eth0");
    const int64_t t0 = mono_now();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const IfStats s1 = if_stats(s.via.node(1), "eth0");
    const double dt = static_cast<double>(mono_now() - t0) / 1e9;
    gen.join();
    const double got = static_cast<double>(s1.rx_bytes - s0.rx_bytes) * 8 / dt;
    std::string label = "rate " + fmt("%.0f", static_cast<double>(rate) / 1e6) + " Mbit/s, offered 1.5x, Mbit/s";
    row(label.c_str(), fmt("%.1f", offered_pps * 1514 * 8 / 1e6) + " (offered)", fmt("%.2f", got / 1e6),
        fmt("ratio %.4f", got / static_cast<double>(rate)));
  }
  return true;
}

}  // namespace

// Usage: fl_bench_engine [delay|forward|tcp|accuracy]...   (default: all)
int main(int argc, char** argv) {
  if (!is_root()) {
    std::fprintf(stderr, "engine_bench: needs root (network namespaces)\n");
    return 3;
  }
  std::set<std::string> want(argv + 1, argv + argc);
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // exact pacing of the probes
  auto on = [&](const char* s) { return want.empty() || want.count(s); };
  const auto links_before = host_links();
  utsname u;
  uname(&u);
  std::printf("faultline link engine benchmark: kernel %s, %ld CPUs; engine on CPU %d, traffic on CPU %d\n",
              u.release, sysconf(_SC_NPROCESSORS_ONLN), kEngineCpu, kTrafficCpu);
  std::printf("engine = faultline-linkd defaults (TPACKET_V2 ring, SCHED_FIFO 10); load average at start: %s\n",
              sh_out("cut -d' ' -f1-3 /proc/loadavg").c_str());
  int rc = 0;
  {
    Setup s;
    if (!s.ok()) {
      std::fprintf(stderr, "engine_bench: namespace setup failed\n");
      return 3;
    }
    std::printf("%-48s %22s %26s   %s\n", "", "baseline (veth)", "engine", "");
    std::printf("%s\n", std::string(120, '-').c_str());
    if ((on("delay") && !section_delay(s)) || (on("forward") && !section_forward(s)) ||
        (on("tcp") && !section_tcp(s)) || (on("accuracy") && !section_accuracy(s)))
      rc = 4;
  }
  std::printf("\nerror = |one-way - 10 ms - baseline median one-way|; one-way stamped by the sender (CLOCK_REALTIME)\n"
              "and by the receiving kernel (SO_TIMESTAMPNS). engine-internal = release time - due time, from the\n"
              "engine's own histogram (1 us buckets). live = a generator on CPU 0 blasting through the engine on\n"
              "CPU 1 (the generator's CPU also carries the fabric-side receive). capacity per core = frames queued\n"
              "in the engine's ring while it was stopped, divided by the time it took to forward them.\n"
              "load average at end: %s\n",
              sh_out("cut -d' ' -f1-3 /proc/loadavg").c_str());
  if (host_links() != links_before) {
    std::fprintf(stderr, "engine_bench: host interfaces changed!\n");
    return 4;
  }
  return rc;
}
