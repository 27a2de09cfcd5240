// SPDX-License-Identifier: Apache-2.0
// Test-only scaffolding for the link engine tests: network namespaces and
// veths made with `ip` (allowed in tests, never in library code), sockets
// opened inside a namespace from the test process, and the engine run as a
// child process inside the fabric namespace. Everything is named
// fle<pid>x<n>... and removed by destructors.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "netem/engine/control_client.hpp"
#include "netem/engine/impairment_json.hpp"
#include "netem/engine/offload.hpp"
#include "netem/impairment.hpp"

namespace fl_engine_test {

inline bool is_root() { return ::geteuid() == 0; }

// Interfaces of the host (the test process's own) network namespace.
inline std::set<std::string> host_links() {
  std::set<std::string> out;
  if (DIR* d = ::opendir("/sys/class/net")) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') out.insert(e->d_name);
    ::closedir(d);
  }
  return out;
}

inline std::set<std::string> netns_names() {
  std::set<std::string> out;
  if (DIR* d = ::opendir("/run/netns")) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') out.insert(e->d_name);
    ::closedir(d);
  }
  return out;
}

// Runs a shell command; returns its exit status, printing output on failure.
inline int sh(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  const int st = ::pclose(f);
  const int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  if (rc != 0) std::fprintf(stderr, "command failed (%d): %s\n%s", rc, cmd.c_str(), out.c_str());
  return rc;
}

inline std::string sh_out(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  ::pclose(f);
  return out;
}

// Runs f on the calling thread while it is in namespace ns: sockets created
// by f stay in ns for their whole life, usable from any thread.
template <class F>
auto in_ns(const std::string& ns, F&& f) {
  struct Restore {
    int self, target;
    ~Restore() {
      ::setns(self, CLONE_NEWNET);
      ::close(self);
      if (target >= 0) ::close(target);
    }
  } r{::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC)};
  if (r.target < 0 || ::setns(r.target, CLONE_NEWNET) < 0) {
    std::fprintf(stderr, "cannot enter netns %s\n", ns.c_str());
    std::abort();
  }
  return f();
}

// Namespaces and veths of one test. Node i has interface eth0 with address
// 10.0.0.(i+1)/24 and MAC 02:00:00:00:00:(i+1), its peer port p<i> in the
// fabric namespace; IPv6 is off and neighbours are static, so the only
// frames crossing the engine are the test's own.
//
// direct = true (two nodes): no fabric, A's eth0 and B's eth0 are the two
// ends of one veth pair: the baseline the engine is measured against.
class TestNet {
 public:
  explicit TestNet(int nodes, bool direct = false, bool offloads_off = true) {
    static int counter = 0;
    prefix_ = "fle" + std::to_string(::getpid()) + "x" + std::to_string(counter++);
    if (!direct) fabric_ = add_ns("f");
    for (int i = 0; i < nodes; ++i) {
      const std::string n = add_ns(std::string(1, static_cast<char>('a' + i)));
      nodes_.push_back(n);
      if (direct) {
        if (i == 1)
          ok_ = ok_ && sh("ip -n " + nodes_[0] + " link add eth0 address " + mac(0) + " type veth peer name eth0 address " +
                          mac(1) + " netns " + n) == 0;
      } else {
        ok_ = ok_ && sh("ip -n " + n + " link add eth0 address " + mac(i) + " type veth peer name " + port(i) +
                        " netns " + fabric_) == 0;
        ok_ = ok_ && sh("ip -n " + fabric_ + " link set " + port(i) + " up") == 0;
      }
    }
    for (int i = 0; i < nodes; ++i) {
      ok_ = ok_ && sh("ip -n " + nodes_[i] + " addr add " + ip(i) + "/24 dev eth0") == 0;
      ok_ = ok_ && sh("ip -n " + nodes_[i] + " link set eth0 up") == 0;
    }
    for (int i = 0; i < nodes; ++i)
      for (int j = 0; j < nodes; ++j)
        if (i != j)
          ok_ = ok_ && sh("ip -n " + nodes_[i] + " neigh replace " + ip(j) + " lladdr " + mac(j) +
                          " dev eth0 nud permanent") == 0;
    // Per-packet semantics: every frame one MTU packet (the engine's contract).
    for (int i = 0; i < nodes && offloads_off; ++i) {
      auto st = in_ns(nodes_[i], [] { return faultline::netem::disable_offloads("eth0"); });
      if (!st.ok()) {
        std::fprintf(stderr, "disable_offloads: %s\n", st.error().message().c_str());
        ok_ = false;
      }
    }
  }
  ~TestNet() {
    for (auto it = all_.rbegin(); it != all_.rend(); ++it) sh("ip netns del " + *it);
  }
  TestNet(const TestNet&) = delete;
  TestNet& operator=(const TestNet&) = delete;

  bool ok() const { return ok_; }
  const std::string& fabric() const { return fabric_; }
  const std::string& node(int i) const { return nodes_[static_cast<size_t>(i)]; }
  const std::string& prefix() const { return prefix_; }
  static std::string ip(int i) { return "10.0.0." + std::to_string(i + 1); }
  static std::string mac(int i) { return "02:00:00:00:00:0" + std::to_string(i + 1); }
  static std::string port(int i) { return "p" + std::to_string(i); }

 private:
  std::string add_ns(const std::string& tag) {
    const std::string n = prefix_ + tag;
    ok_ = ok_ && sh("ip netns add " + n) == 0;
    if (ok_) all_.push_back(n);
    ok_ = ok_ && sh("ip netns exec " + n + " sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
                    "net.ipv6.conf.default.disable_ipv6=1") == 0;
    ok_ = ok_ && sh("ip -n " + n + " link set lo up") == 0;
    return n;
  }

  std::string prefix_, fabric_;
  std::vector<std::string> nodes_, all_;
  bool ok_ = true;
};

// faultline-linkd as a child process in the fabric namespace.
class EngineProc {
 public:
  EngineProc(const TestNet& net, nlohmann::json config, const std::string& trace = "", const std::string& tag = "",
             const std::vector<std::string>& extra_args = {}) {
    static int counter = 0;
    const std::string base = "/tmp/" + net.prefix() + "e" + tag + std::to_string(counter++);
    sock_ = base + ".sock";
    cfg_path_ = base + ".json";
    log_path_ = base + ".log";
    config["control"] = sock_;
    std::ofstream(cfg_path_) << config.dump(2);
    const std::string ns = "/run/netns/" + net.fabric();
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(ns.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ::setns(fd, CLONE_NEWNET) < 0) ::_exit(120);
      const int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (log >= 0) {
        ::dup2(log, 1);
        ::dup2(log, 2);
      }
      std::vector<std::string> args = {FL_LINKD_PATH, "--config", cfg_path_};
      if (!trace.empty()) args.insert(args.end(), {"--trace", trace});
      args.insert(args.end(), extra_args.begin(), extra_args.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ready_ = faultline::netem::wait_engine_ready(sock_, 5000).ok();
  }
  ~EngineProc() { stop(); }
  EngineProc(const EngineProc&) = delete;
  EngineProc& operator=(const EngineProc&) = delete;

  bool ready() const { return ready_; }
  pid_t pid() const { return pid_; }
  const std::string& socket() const { return sock_; }

  faultline::Result<nlohmann::json> request(const nlohmann::json& req, int timeout_ms = 5000) {
    return faultline::netem::engine_request(sock_, req, timeout_ms);
  }

  // The engine's stderr so far (gone after stop()).
  // SIGTERM and wait; returns the exit status (or -1).
  int stop() {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGTERM);
    int st = 0;
    for (int i = 0; i < 500; ++i) {
      const pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) break;
      if (i == 499) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &st, 0);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    ::unlink(cfg_path_.c_str());
    ::unlink(log_path_.c_str());
    return status_;
  }

  std::string log() const {  // NOLINT
    std::ifstream f(log_path_);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  bool ready_ = false;
  std::string sock_, cfg_path_, log_path_;
};

inline nlohmann::json link_config(const std::string& name, const std::string& a, const std::string& b,
                                  const faultline::netem::Impairment& ab, const faultline::netem::Impairment& ba,
                                  uint64_t seed = 1) {
  return nlohmann::json{{"seed", seed},
                        {"links", nlohmann::json::array({{{"name", name},
                                                          {"a_port", a},
                                                          {"b_port", b},
                                                          {"a_to_b", ab},
                                                          {"b_to_a", ba}}})}};
}

}  // namespace fl_engine_test
