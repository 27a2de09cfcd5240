// SPDX-License-Identifier: Apache-2.0
// A faultline CLI started in the background with its output read as it comes,
// for tests that act at a moment of a command: after a line of its output, a
// record in its run's journal, or a delay. Kill -9 and wait by pid.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace faultline::testing {

// The CLI from the build tree, or FAULTLINE_BIN.
inline std::string faultline_exe() {
  const char* bin = std::getenv("FAULTLINE_BIN");
  return bin && *bin ? bin : std::string(FL_BINARY_DIR) + "/orchestrator/faultline";
}

class CliProcess {
 public:
  // Starts `faultline args...` with FAULTLINE_STATE_DIR=state_dir, stdout and
  // stderr into one pipe, in its own process group.
  static CliProcess start(const std::vector<std::string>& args, const std::string& state_dir) {
    CliProcess c;
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return c;
    const std::string exe = faultline_exe();
    std::vector<std::string> argv{exe};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    // Built before fork: the child only calls async-signal-safe functions.
    std::vector<std::string> env{"FAULTLINE_STATE_DIR=" + state_dir};
    for (char** e = environ; *e; ++e)
      if (std::string(*e).rfind("FAULTLINE_STATE_DIR=", 0) != 0) env.emplace_back(*e);
    std::vector<char*> cenv;
    for (auto& e : env) cenv.push_back(e.data());
    cenv.push_back(nullptr);
    c.pid_ = ::fork();
    if (c.pid_ == 0) {
      ::setpgid(0, 0);
      ::dup2(p[1], 1);
      ::dup2(p[1], 2);
      ::execve(exe.c_str(), cargv.data(), cenv.data());
      ::_exit(127);
    }
    ::close(p[1]);
    c.out_ = p[0];
    ::fcntl(c.out_, F_SETFL, O_NONBLOCK);
    c.t0_ = std::chrono::steady_clock::now();
    return c;
  }

  CliProcess() = default;
  CliProcess(CliProcess&& o) noexcept { *this = std::move(o); }
  CliProcess& operator=(CliProcess&& o) noexcept {
    std::swap(pid_, o.pid_);
    std::swap(out_, o.out_);
    std::swap(text_, o.text_);
    std::swap(reaped_, o.reaped_);
    std::swap(status_, o.status_);
    t0_ = o.t0_;
    return *this;
  }
  ~CliProcess() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }

  pid_t pid() const { return pid_; }
  // Everything it printed so far.
  const std::string& output() {
    pump(0);
    return text_;
  }
  double elapsed_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_).count();
  }

  // Waits until its output holds `needle` (true), it exits, or timeout_ms passes.
  bool wait_for_output(const std::string& needle, int timeout_ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      if (text_.find(needle) != std::string::npos) return true;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
      if (left <= 0) return false;
      if (!pump(static_cast<int>(std::min<long>(left, 50))) && exited()) {
        pump(0);
        return text_.find(needle) != std::string::npos;
      }
    }
  }

  bool exited() {
    if (reaped_) return true;
    if (::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
    return reaped_;
  }
  // SIGKILL; true when it was still running (the signal landed).
  bool kill9() {
    if (exited()) return false;
    return ::kill(pid_, SIGKILL) == 0;
  }
  // Waits for it to end; the wait status.
  int wait() {
    while (!reaped_) {
      pump(10);
      exited();
    }
    pump(0);
    return status_;
  }

 private:
  // Reads what is there (waiting up to ms for something); false on EOF/nothing.
  bool pump(int ms) {
    if (out_ < 0) return false;
    pollfd p{out_, POLLIN, 0};
    if (ms > 0 && ::poll(&p, 1, ms) <= 0) return false;
    char buf[4096];
    bool got = false;
    for (;;) {
      const ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) break;
      text_.append(buf, static_cast<size_t>(n));
      got = true;
    }
    return got;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string text_;
  bool reaped_ = false;
  int status_ = 0;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

}  // namespace faultline::testing
