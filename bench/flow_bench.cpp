// SPDX-License-Identifier: Apache-2.0
// The flow view's cost: request throughput between two nodes of a run with
// and without the flow programs loaded, in one run. Two workloads, each in
// rounds that alternate off and on (so the host's drift and other users' load
// fall on both alike): request/response on one connection (64 B each way:
// the packet path, net_dev_start_xmit per packet) and connect/request/close
// (every connection also passes inet_sock_set_state and the resets path's
// neighbours). The ratio is the median of on / the median of off.
//
//   fl_bench_flow [--rounds N] [--round-ms MS] [--runq best|sched_info|wakeups|off]     (root)
//
// --runq chooses the run-queue delay's source (ebpf::Runq): sched_info (one
// program on sched_switch, the default where the kernel has it), wakeups
// (three programs timing each wait) or off (no scheduler program), to tell
// their share of the cost. --without-runq is --runq off.
#include <arpa/inet.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <algorithm>
#include <map>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "base/ipv4.hpp"
#include "ebpf/flow_loader.hpp"
#include "orchestrator/model/loader.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/netns.hpp"
#include "orchestrator/runtime/run.hpp"

using namespace faultline;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint16_t kPort = 7300;
constexpr size_t kMsg = 64;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "fl_bench_flow: %s\n", what.c_str());
  std::exit(1);
}

int socket_in(int netns_fd) {
  int fd = -1;
  const Status st = runtime::in_netns(netns_fd, [&]() -> Status {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    return fd < 0 ? sys_error("socket") : Status{};
  });
  if (!st.ok()) die(st.error().message());
  return fd;
}

// Runs fn on a thread that joined the namespace once (its sockets are made
// there): no thread per socket in the measured loops.
template <class Fn>
double in_ns(int netns_fd, Fn fn) {
  double out = 0;
  std::thread t([&] {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) die("setns");
    out = fn();
  });
  t.join();
  return out;
}

bool read_full(int fd, char* buf, size_t n) {
  for (size_t off = 0; off < n;) {
    const ssize_t r = ::read(fd, buf + off, n - off);
    if (r <= 0) return false;
    off += static_cast<size_t>(r);
  }
  return true;
}

// An echo server: one thread per connection, until the listener closes.
struct Server {
  int listener = -1;
  std::thread acceptor;
  std::atomic<bool> stop{false};
  void start(int netns_fd) {
    listener = socket_in(netns_fd);
    const int one = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(kPort);
    if (::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener, 512) != 0)
      die("listen");
    acceptor = std::thread([this] {
      for (;;) {
        const int c = ::accept(listener, nullptr, nullptr);
        if (c < 0) return;
        const int one = 1;
        ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::thread([c] {
          // A request starting with 'C' is a connection's only one: the
          // server closes first, so TIME_WAIT stays on its side and the
          // client's port search does not slow down round after round.
          char buf[kMsg];
          while (read_full(c, buf, kMsg) && ::write(c, buf, kMsg) == static_cast<ssize_t>(kMsg) && buf[0] != 'C') {
          }
          ::close(c);
        }).detach();
      }
    });
  }
  void end() {
    ::shutdown(listener, SHUT_RDWR);
    ::close(listener);
    acceptor.join();
  }
};

sockaddr_in addr_of(const std::string& ip) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(kPort);
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

// Requests per second on one connection for `ms` (in the client's namespace).
double rr(const std::string& ip, int ms) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const auto a = addr_of(ip);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) die("connect");
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char buf[kMsg] = {};
  size_t n = 0;
  const auto t0 = Clock::now(), end = t0 + std::chrono::milliseconds(ms);
  while (Clock::now() < end) {
    if (::write(fd, buf, kMsg) != static_cast<ssize_t>(kMsg) || !read_full(fd, buf, kMsg)) die("request");
    ++n;
  }
  ::close(fd);
  return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t0).count();
}

// Connections (connect, one request, close) per second for `ms` (in the
// client's namespace).
double crr(const std::string& ip, int ms) {
  const auto a = addr_of(ip);
  char buf[kMsg] = {'C'};
  size_t n = 0;
  const auto t0 = Clock::now(), end = t0 + std::chrono::milliseconds(ms);
  while (Clock::now() < end) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) die("connect");
    if (::write(fd, buf, kMsg) != static_cast<ssize_t>(kMsg) || !read_full(fd, buf, kMsg)) die("request");
    char eof;
    (void)!::read(fd, &eof, 1);  // the server's FIN
    ::close(fd);
    ++n;
  }
  return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (::geteuid() != 0) {
    std::fprintf(stderr, "fl_bench_flow needs root\n");
    return 3;
  }
  int rounds = 7, round_ms = 1000;
  ebpf::Runq runq = ebpf::Runq::best;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--without-runq") runq = ebpf::Runq::off;
    else if (a == "--runq" && i + 1 < argc) {
      const std::string v = argv[++i];
      bool known = false;
      for (const auto r : {ebpf::Runq::best, ebpf::Runq::sched_info, ebpf::Runq::wakeups, ebpf::Runq::off})
        if (v == ebpf::runq_name(r)) runq = r, known = true;
      if (!known) die("--runq " + v + ": one of best, sched_info, wakeups, off");
    }
    else if (a == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
    else if (a == "--round-ms" && i + 1 < argc) round_ms = std::atoi(argv[++i]);
  }
  auto lr = model::load_string("[[node]]\nname = \"client\"\n[[node]]\nname = \"server\"\n"
                               "[[link]]\nbetween = [\"client\", \"server\"]\n",
                               "flow_bench.toml");
  if (!lr.topology) die("topology");
  const auto plan = plan::make_plan(*lr.topology, "flowbench-" + std::to_string(::getpid()));
  runtime::RunOptions opts;
  opts.log_dir = "/tmp/fl-bench-flow-" + std::to_string(::getpid());
  opts.start_processes = false;
  opts.flows = false;  // loaded and unloaded here, round by round
  auto run = runtime::Run::up(plan, opts);
  if (!run.ok()) die("up: " + run.error().message());
  auto& r = *run.value();
  std::string server_ip;
  for (const auto& a : r.plan().addresses)
    if (a.node == "server") server_ip = ipv4_str(a.prefix.addr);
  const int client_ns = r.holder("client")->netns_fd(), server_ns = r.holder("server")->netns_fd();
  Server server;
  server.start(server_ns);

  struct Sample {
    std::vector<double> off, on;
  } s_rr, s_crr;
  uint64_t counted_packets = 0;
  // The kernel's run-time statistics of BPF programs, for as long as this fd
  // is open (BPF_ENABLE_STATS): what each program cost per event.
  const int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  std::map<std::string, std::pair<uint64_t, uint64_t>> cost;  // tracepoint -> runs, ns
  uint64_t bpf_ns[2] = {0, 0};  // per workload (rr, crr): program time in the "on" rounds
  double requests_on[2] = {0, 0};
  auto program_ns = [](const ebpf::FlowMonitor& m) {
    uint64_t ns = 0;
    for (const auto& c : m.costs()) ns += c.run_ns;
    return ns;
  };
  // The scheduler's programs run on every context switch and wakeup of the
  // host, the bench's or not: their time per second is a cost to the whole
  // host (counted in the per-request figures too, which makes them an upper
  // bound).
  auto sched_ns = [](const ebpf::FlowMonitor& m) {
    uint64_t ns = 0;
    for (const auto& c : m.costs())
      if (c.tracepoint.rfind("sched:", 0) == 0) ns += c.run_ns;
    return ns;
  };
  uint64_t sched_total_ns = 0;
  double on_s = 0;
  ebpf::Runq used = runq;
  in_ns(client_ns, [&] { return rr(server_ip, 200); });  // warm up
  for (int i = 0; i < rounds; ++i) {
    // Off first in even rounds, on first in odd ones: what a round leaves
    // behind (TIME_WAIT sockets, a warm cache) falls on both alike.
    for (const bool second : {false, true}) {
      const bool on = (i % 2 == 0) == second;
      ebpf::FlowMonitor m;
      if (on) {
        auto l = ebpf::FlowMonitor::load(runq);
        if (!l.ok()) die("load the flow programs: " + l.error().message());
        m = std::move(l.value());
        used = m.runq();
        uint32_t k = 0;
        for (const char* node : {"client", "server"})
          if (!m.watch(r.holder(node)->netns_inode(), k++).ok()) die("watch");
      }
      const uint64_t ns0 = on ? program_ns(m) : 0, sched0 = on ? sched_ns(m) : 0;
      const auto round_t0 = Clock::now();
      const double rate_rr = in_ns(client_ns, [&] { return rr(server_ip, round_ms); });
      const uint64_t ns1 = on ? program_ns(m) : 0;
      const double rate_crr = in_ns(client_ns, [&] { return crr(server_ip, round_ms); });
      (on ? s_rr.on : s_rr.off).push_back(rate_rr);
      (on ? s_crr.on : s_crr.off).push_back(rate_crr);
      if (on) {
        on_s += std::chrono::duration<double>(Clock::now() - round_t0).count();
        sched_total_ns += sched_ns(m) - sched0;
        bpf_ns[0] += ns1 - ns0;
        bpf_ns[1] += program_ns(m) - ns1;
        requests_on[0] += rate_rr * round_ms / 1000.0;
        requests_on[1] += rate_crr * round_ms / 1000.0;
      }
      if (on) {
        auto snap = m.read();
        if (snap.ok())
          for (const auto& [k, c] : snap->flows) counted_packets += c.packets;
        for (const auto& c : m.costs()) {
          cost[c.tracepoint].first += c.runs;
          cost[c.tracepoint].second += c.run_ns;
        }
      }
    }
  }
  server.end();
  const Status st = r.down();
  if (!st.ok()) std::fprintf(stderr, "down: %s\n", st.error().message().c_str());

  // Two figures per workload. The throughput ratio is what a user sees, but
  // on a shared host it swings by several percent from round to round. The
  // in-path cost is exact: the programs' own run time per request (kernel
  // statistics) over the time a request takes without them. A request's
  // packets are sent one after another, so this bounds the slowdown.
  std::printf("%-34s %10s %10s %8s %12s %10s\n", "workload", "off req/s", "on req/s", "on/off", "bpf ns/req",
              "in-path cost (target < 5%)");
  int k = 0;
  for (const auto& [what, s] : {std::pair{"request/response, one connection", &s_rr},
                               std::pair{"connect/request/close", &s_crr}}) {
    const double off = median(s->off), on = median(s->on), ratio = off > 0 ? on / off : 0;
    const double per_req = requests_on[k] > 0 ? static_cast<double>(bpf_ns[k]) / requests_on[k] : 0;
    const double in_path = off > 0 ? per_req * off / 1e9 : 0;
    std::printf("%-34s %10.0f %10.0f %8.3f %12.0f %9.2f%%\n", what, off, on, ratio, per_req, in_path * 100);
    ++k;
  }
  std::printf("(%d rounds of %d ms each, alternating; medians. The programs counted %llu packets while on.)\n",
              rounds, round_ms, static_cast<unsigned long long>(counted_packets));
  std::printf("run-queue delay from: %s\n", ebpf::runq_name(used));
  if (on_s > 0)
    std::printf("scheduler programs, host-wide: %.2f ms of CPU per second (%.3f%% of one CPU), every task's switches\n",
                static_cast<double>(sched_total_ns) / 1e6 / on_s, static_cast<double>(sched_total_ns) / 1e9 / on_s * 100);
  if (stats_fd >= 0) {
    std::printf("%-28s %12s %10s\n", "program (tracepoint)", "runs", "ns/run");
    for (const auto& [tp, c] : cost)
      std::printf("%-28s %12llu %10.0f\n", tp.c_str(), static_cast<unsigned long long>(c.first),
                  c.first ? static_cast<double>(c.second) / static_cast<double>(c.first) : 0.0);
    ::close(stats_fd);
  }
  return counted_packets > 0 ? 0 : 2;  // nothing counted: the "on" rounds measured nothing
}
