// SPDX-License-Identifier: Apache-2.0
// The kernel's own cost of what a node is made of, with as little user space
// as possible, to put fl_bench_topology's figures in proportion: N children
// that each unshare(net | uts | mount) and wait (nothing else: no mounts, no
// sysctls, no netlink), torn down by SIGKILL; and N veth pairs enslaved to
// bridges of 128 ports in a private namespace, created and deleted over netlink.
//
//   fl_bench_kernel_floor [N]        (root; default 1000)
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/netlink.hpp"

using namespace faultline;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

// Children that unshare `flags` and then wait; returns {create ms, teardown ms}.
std::pair<double, double> namespaces(int n, int flags) {
  int ready[2];
  if (::pipe(ready) != 0) std::exit(1);
  std::vector<pid_t> kids;
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const char ok = ::unshare(flags) == 0 ? 'y' : 'n';
      (void)!::write(ready[1], &ok, 1);
      ::pause();
      ::_exit(0);
    }
    kids.push_back(pid);
  }
  int bad = 0;
  for (int i = 0; i < n; ++i) {
    char c = 0;
    if (::read(ready[0], &c, 1) != 1 || c != 'y') ++bad;
  }
  const auto t1 = Clock::now();
  for (pid_t p : kids) ::kill(p, SIGKILL);
  for (pid_t p : kids) ::waitpid(p, nullptr, 0);
  const auto t2 = Clock::now();
  ::close(ready[0]);
  ::close(ready[1]);
  if (bad) std::fprintf(stderr, "%d children could not unshare\n", bad);
  return {ms(t0, t1), ms(t1, t2)};
}

// N veth pairs on bridges of plan::kPortsPerBridge ports (as faultline hangs
// a segment's members), all inside a fresh namespace of a child.
void veths(int n, const char* label = "veth pair + bridge port (one namespace)") {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(1);
    // IPv6 off, as faultline's nodes have it: with it on, every new port's
    // router solicitations and MLD reports flood every other port.
    for (const char* f : {"/proc/sys/net/ipv6/conf/default/disable_ipv6", "/proc/sys/net/ipv6/conf/all/disable_ipv6"})
      if (FILE* fp = std::fopen(f, "w")) {
        std::fputs("1", fp);
        std::fclose(fp);
      }
    auto sock = runtime::NlSocket::open();
    if (!sock.ok()) ::_exit(2);
    std::vector<int> bridges;
    for (int b = 0; b * static_cast<int>(plan::kPortsPerBridge) < n; ++b) {
      const std::string name = "br" + std::to_string(b);
      if (!sock->create_bridge(name).ok()) ::_exit(2);
      auto idx = sock->ifindex(name);
      if (!idx.ok()) ::_exit(3);
      bridges.push_back(idx.value());
    }
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
      const Status st = sock->create_veth("p" + std::to_string(i), -1, "q" + std::to_string(i), -1,
                                          bridges[static_cast<size_t>(i) / plan::kPortsPerBridge]);
      if (!st.ok()) {
        std::fprintf(stderr, "veth %d: %s\n", i, st.error().message().c_str());
        ::_exit(4);
      }
    }
    const auto t1 = Clock::now();
    for (int i = 0; i < n; ++i) (void)sock->delete_link("p" + std::to_string(i));
    const auto t2 = Clock::now();
    std::printf("%-44s %6d %10.1f %10.1f %10.3f %10.3f\n", label, n, ms(t0, t1),
                ms(t1, t2), ms(t0, t1) / n, ms(t1, t2) / n);
    std::fflush(stdout);
    ::_exit(0);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) std::fprintf(stderr, "veth round failed (status %d)\n", st);
}

}  // namespace

int main(int argc, char** argv) {
  if (::geteuid() != 0) {
    std::fprintf(stderr, "fl_bench_kernel_floor needs root\n");
    return 3;
  }
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  std::printf("%-44s %6s %10s %10s %10s %10s\n", "what", "n", "make ms", "undo ms", "make/1", "undo/1");
  std::fflush(stdout);
  for (const auto& [name, flags] : {std::pair<const char*, int>{"fork + unshare(net)", CLONE_NEWNET},
                                    {"fork + unshare(net|uts|mount)", CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWNS},
                                    {"fork only (no namespace)", 0}}) {
    ::sleep(2);  // let the kernel finish freeing the previous round's namespaces
    const auto [make, undo] = namespaces(n, flags);
    std::printf("%-44s %6d %10.1f %10.1f %10.3f %10.3f\n", name, n, make, undo, make / n, undo / n);
    std::fflush(stdout);
  }
  // The same from a process holding 80 MiB of touched heap, as an
  // orchestrator that built a large run does: fork copies its page tables.
  {
    std::vector<char> ballast(80u << 20, 1);
    ::sleep(2);
    const auto [make, undo] = namespaces(n, CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWNS);
    std::printf("%-44s %6d %10.1f %10.1f %10.3f %10.3f\n", "... from a process with 80 MiB of heap", n, make, undo,
                make / n, undo / n);
    std::fflush(stdout);
    if (ballast[12345] != 1) return 1;
  }
  ::sleep(2);
  veths(n);
  // Both at once, from two threads: whether namespace creation and veth
  // creation overlap on two CPUs or serialise on the kernel's locks (rtnl is
  // taken by both). Compare each with its row above.
  ::sleep(4);
  {
    std::thread v([n] { veths(n, "... veths while namespaces are made"); });
    const auto [make, undo] = namespaces(n, CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWNS);
    std::printf("%-44s %6d %10.1f %10.1f %10.3f %10.3f\n", "... namespaces while veths are made", n, make, undo,
                make / n, undo / n);
    std::fflush(stdout);
    v.join();
  }
  return 0;
}
