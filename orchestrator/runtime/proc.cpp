// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/proc.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace faultline::runtime {

namespace {

// glibc 2.36 has no wrappers for these; the raw syscalls are stable ABI.
int sys_pidfd_open(pid_t pid, unsigned flags) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}
int sys_pidfd_send_signal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

int64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Waits until the pidfd reports exit (POLLIN) or timeout_ms passes.
// Returns 1 when exited, 0 on timeout, -errno on failure.
int poll_exit(int pidfd, int timeout_ms) {
  const int64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    pollfd p{pidfd, POLLIN, 0};
    const int64_t left = deadline - now_ms();
    int n = ::poll(&p, 1, left > 0 ? static_cast<int>(left) : 0);
    if (n > 0) return 1;
    if (n == 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

}  // namespace

Result<uint64_t> proc_start_time(pid_t pid) {
  if (pid <= 0) return sys_error(ESRCH, "read start time of pid " + std::to_string(pid));
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    // No /proc entry means no such process; callers test for ESRCH only.
    int e = errno == ENOENT ? ESRCH : errno;
    return sys_error(e, std::string("open ") + path);
  }
  // The line is short (comm is at most 15 bytes plus ~50 numbers); 1 KiB is ample.
  char buf[1024];
  ssize_t n;
  do {
    n = ::read(fd.get(), buf, sizeof buf - 1);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    // Reading the stat of a process that exited between open and read gives ESRCH.
    return sys_error(std::string("read ") + path);
  }
  buf[n] = '\0';
  // comm may contain spaces and parentheses: the fields resume after the last ')'.
  char* p = std::strrchr(buf, ')');
  if (p == nullptr) return sys_error(EIO, std::string("parse ") + path + ": no ')'");
  ++p;
  // After ')' come field 3 (state) .. field 22 (starttime): skip 19 fields.
  for (int field = 3; field < 22; ++field) {
    while (*p == ' ') ++p;
    while (*p != ' ' && *p != '\0') ++p;
    if (*p == '\0') return sys_error(EIO, std::string("parse ") + path + ": too few fields");
  }
  while (*p == ' ') ++p;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(p, &end, 10);
  if (end == p || errno != 0) return sys_error(EIO, std::string("parse ") + path + ": field 22");
  return static_cast<uint64_t>(v);
}

Result<ProcId> proc_id(pid_t pid) {
  auto st = proc_start_time(pid);
  if (!st) return st.error();
  return ProcId{pid, *st};
}

Result<UniqueFd> open_verified(const ProcId& id) {
  const std::string what = "open pidfd of pid " + std::to_string(id.pid);
  if (id.pid <= 0) return sys_error(ESRCH, what);
  // Order matters: the pidfd pins the process that had the pid at open time;
  // a start time read afterwards that still matches proves it is the recorded
  // one (a reused pid would show a later start time).
  UniqueFd fd(sys_pidfd_open(id.pid, 0));
  if (!fd.valid()) return sys_error(what);
  auto st = proc_start_time(id.pid);
  if (!st) return Error{st.error().err, what + ": " + st.error().context};
  if (*st != id.start_time) {
    return sys_error(ESRCH, what + ": pid was reused (start time " + std::to_string(*st) + ", expected " +
                                std::to_string(id.start_time) + ")");
  }
  return fd;
}

Status signal_verified(const ProcId& id, int sig) {
  auto fd = open_verified(id);
  if (!fd) return fd.error();
  if (sys_pidfd_send_signal(fd->get(), sig) != 0) {
    return sys_error("signal " + std::to_string(sig) + " to pid " + std::to_string(id.pid));
  }
  return {};
}

Status kill_verified(const ProcId& id, int timeout_ms) {
  auto fd = open_verified(id);
  if (!fd) {
    if (fd.error().err == ESRCH) return {};  // gone already (or the pid is someone else's now)
    return fd.error();
  }
  const std::string what = "kill pid " + std::to_string(id.pid);
  if (sys_pidfd_send_signal(fd->get(), SIGKILL) != 0 && errno != ESRCH) return sys_error(what);
  int r = poll_exit(fd->get(), timeout_ms);
  if (r < 0) return sys_error(-r, what + ": poll pidfd");
  if (r == 0) return sys_error(ETIMEDOUT, what + ": still alive after " + std::to_string(timeout_ms) + " ms");
  // Reap it when it is our child so no zombie is left; ECHILD means it is not
  // ours (or SIGCHLD is ignored and the kernel reaped it), which is fine.
  siginfo_t si{};
  while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd->get()), &si, WEXITED | WNOHANG) != 0 &&
         errno == EINTR) {
  }
  return {};
}

bool is_alive(const ProcId& id) {
  auto fd = open_verified(id);
  if (!fd) return false;
  // A zombie still has its /proc entry; the pidfd polls readable once it exited.
  return poll_exit(fd->get(), 0) == 0;
}

Result<uint64_t> ns_inode(pid_t pid, const char* kind) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/ns/%s", static_cast<int>(pid), kind);
  struct stat st {};
  if (::stat(path, &st) != 0) {
    int e = errno == ENOENT ? ESRCH : errno;
    return sys_error(e, std::string("stat ") + path);
  }
  return static_cast<uint64_t>(st.st_ino);
}

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFSTOPPED(status)) return "stopped by signal " + std::to_string(WSTOPSIG(status));
  return "exit status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace faultline::runtime
