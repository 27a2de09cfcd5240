// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/netns.hpp"

#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <optional>
#include <type_traits>
#include <utility>

namespace faultline::runtime {

namespace {

int sys_pidfd_send_signal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0U));
}

int64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// How long spawn waits for the holder's report, and kill_and_wait for its exit.
// Both normally take well under a millisecond; the bounds only stop a wedged
// kernel (or a frozen cgroup holding the holder) from hanging the orchestrator.
constexpr int kReadyTimeoutMs = 10000;
constexpr int kExitTimeoutMs = 5000;

// The holder's setup steps, reported with errno when one fails.
enum Step : int32_t {
  kReady = 0,
  kPdeathsig,
  kParentGone,
  kCloseFds,
  kSetsid,
  kUnshare,
  kSethostname,
  kMountPrivate,
  kMountTmp,
  kMountRun,
  kMountProc,
  kBindHosts,
  kRemountHosts,
  kOpenShared,
  kMkdirShared,
  kBindShared,
  kRemountShared,
  kDisableIpv6,
  kOrphanRetries,
  kFinTimeout,
  kLoUp,
  kDevNull,
  kChdir,
  kSetName,
};

const char* step_name(int32_t s) {
  switch (s) {
    case kReady: return "ready";
    case kPdeathsig: return "prctl(PR_SET_PDEATHSIG)";
    case kParentGone: return "parent exited during fork";
    case kCloseFds: return "close inherited fds";
    case kSetsid: return "setsid";
    case kUnshare: return "unshare namespaces";
    case kSethostname: return "sethostname";
    case kMountPrivate: return "make mounts private";
    case kMountTmp: return "mount tmpfs on /tmp";
    case kMountRun: return "mount tmpfs on /run";
    case kMountProc: return "mount proc on /proc";
    case kBindHosts: return "bind-mount hosts file over /etc/hosts";
    case kRemountHosts: return "remount /etc/hosts read-only";
    case kOpenShared: return "open the shared folder";
    case kMkdirShared: return "create the shared folder's mount point";
    case kBindShared: return "bind-mount the shared folder";
    case kRemountShared: return "remount the shared folder read-only";
    case kDisableIpv6: return "disable IPv6";
    case kOrphanRetries: return "set net.ipv4.tcp_orphan_retries";
    case kFinTimeout: return "set net.ipv4.tcp_fin_timeout";
    case kLoUp: return "bring lo up";
    case kDevNull: return "stdio to /dev/null";
    case kChdir: return "chdir /";
    case kSetName: return "prctl(PR_SET_NAME)";
    default: return "unknown step";
  }
}

// The holder's report lives in a MAP_SHARED page both processes map: the
// child leaves the parent's fd table before it could write to a pipe (see
// holder_main), so there is no fd to report through.
struct Report {
  uint32_t state;  // 0 while setting up, 1 once step/err are final (futex word)
  int32_t step;
  int32_t err;
};

// Everything the child needs, prepared before clone: the child must not
// allocate (the parent may be multithreaded and a malloc lock may be held).
struct ChildArgs {
  const char* hostname = nullptr;  // nullptr: no new uts ns
  size_t hostname_len = 0;
  const char* hosts_file = nullptr;  // nullptr: keep /etc/hosts
  const char* shared_dir = nullptr;  // nullptr: share no folder
  bool new_mount_ns = false;
  bool die_with_parent = true;
  bool disable_ipv6 = true;
  pid_t parent = 0;
  Report* report = nullptr;
};

long sys_futex(uint32_t* word, int op, uint32_t val, const timespec* timeout) {
  // Not FUTEX_PRIVATE_FLAG: the word is shared between two address spaces.
  return ::syscall(SYS_futex, word, op, val, timeout, nullptr, 0);
}

// ------------------------------------------------------------------ the child
// The holder runs in the orchestrator's address space (CLONE_VM, see
// start_holder), and with it the errno of the thread that cloned it: a libc
// call failing in the child would write that thread's errno while it runs,
// and the child's own checks would read whatever the parent just wrote. So
// the child makes every system call itself, each returning -errno (the
// kernel's convention), and touches no libc state: no errno, no allocation,
// no locks.
#if (defined(__x86_64__) || defined(__aarch64__)) && !defined(FL_HOLDER_FORK)
#define FL_HOLDER_RAW_SYSCALLS 1
#endif

long sc(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
#if defined(FL_HOLDER_RAW_SYSCALLS) && defined(__x86_64__)
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
#elif defined(FL_HOLDER_RAW_SYSCALLS) && defined(__aarch64__)
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
  return x0;
#else
  // No raw system calls (FL_HOLDER_FORK, or none written for this
  // architecture): the holder is then forked (start_holder), into a copy of
  // this process where errno is its own, and libc's syscall() is safe.
  const long r = ::syscall(nr, a, b, c, d, e, f);
  return r == -1 ? -errno : r;
#endif
}

template <class T>
long arg(T v) {
  if constexpr (std::is_null_pointer_v<T>) return 0;
  else if constexpr (std::is_pointer_v<T>) return reinterpret_cast<long>(v);
  else return static_cast<long>(v);
}
template <class... T>
long sys(long nr, T... args) {
  return sc(nr, arg(args)...);
}

void report(Report* r, int32_t step, int32_t err) {
  r->step = step;
  r->err = err;
  __atomic_store_n(&r->state, 1U, __ATOMIC_RELEASE);
  sys(SYS_futex, &r->state, FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

[[noreturn]] void child_fail(const ChildArgs& a, Step step, long rc) {
  report(a.report, step, static_cast<int32_t>(-rc));
  for (;;) sys(SYS_exit, 127);
}

// Brings lo up with one raw RTM_NEWLINK on a stack buffer. Doing it here,
// already inside the new namespace, saves the parent a helper thread per
// node. Returns 0 or -errno.
long child_lo_up() {
  const long fd = sys(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return fd;
  struct {
    nlmsghdr h;
    ifinfomsg i;
    rtattr name_attr;
    char name[4];  // "lo\0" padded to the 4-byte attribute alignment
  } req{};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = RTM_NEWLINK;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.h.nlmsg_seq = 1;
  req.i.ifi_family = AF_UNSPEC;
  req.i.ifi_flags = IFF_UP;
  req.i.ifi_change = IFF_UP;
  req.name_attr.rta_type = IFLA_IFNAME;
  req.name_attr.rta_len = RTA_LENGTH(3);
  std::memcpy(req.name, "lo", 3);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  long rc = sys(SYS_sendto, fd, &req, sizeof req, 0, &kernel, sizeof kernel);
  if (rc == static_cast<long>(sizeof req)) {
    alignas(nlmsghdr) char buf[512];
    do {
      rc = sys(SYS_recvfrom, fd, buf, sizeof buf, 0, nullptr, nullptr);
    } while (rc == -EINTR);
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    if (rc >= static_cast<long>(NLMSG_LENGTH(sizeof(nlmsgerr))) && h->nlmsg_type == NLMSG_ERROR) {
      rc = static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;  // 0 or -errno
    } else if (rc >= 0) {
      rc = -EPROTO;
    }
  } else if (rc >= 0) {
    rc = -EIO;  // a short send
  }
  sys(SYS_close, fd);
  return rc;
}

// mkdir -p for the child. Returns 0 or -errno.
long child_mkdirs(const char* path) {
  char buf[PATH_MAX];
  const size_t n = std::strlen(path);
  if (n >= sizeof buf) return -ENAMETOOLONG;
  std::memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; ++i) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    const char c = buf[i];
    buf[i] = '\0';
    const long rc = sys(SYS_mkdirat, AT_FDCWD, buf, 0755);
    if (rc < 0 && rc != -EEXIST) return rc;
    buf[i] = c;
  }
  return 0;
}

// "/proc/self/fd/<fd>" into buf, without snprintf.
void child_fd_path(long fd, char (&buf)[32]) {
  const char prefix[] = "/proc/self/fd/";
  std::memcpy(buf, prefix, sizeof prefix - 1);
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + fd % 10);
    fd /= 10;
  } while (fd > 0 && n < 20);
  size_t at = sizeof prefix - 1;
  while (n > 0) buf[at++] = digits[--n];
  buf[at] = '\0';
}

// The shared folder, read-only at its own path inside the node. It usually
// lives under /tmp or /run, which the node's fresh tmpfs mounts hide: it is
// opened before those mounts and bound through its fd after them.
void child_bind_shared(const ChildArgs& a, long fd) {
  char src[32];
  child_fd_path(fd, src);
  long rc = child_mkdirs(a.shared_dir);
  if (rc < 0) child_fail(a, kMkdirShared, rc);
  rc = sys(SYS_mount, src, a.shared_dir, nullptr, MS_BIND, nullptr);
  if (rc < 0) child_fail(a, kBindShared, rc);
  rc = sys(SYS_mount, nullptr, a.shared_dir, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr);
  if (rc < 0) child_fail(a, kRemountShared, rc);
  sys(SYS_close, fd);
}

// Writes a one-character value to a sysctl file of the calling task's
// network namespace. Returns 0, 1 when the kernel has no such sysctl, or -errno.
long child_sysctl(const char* path, char value) {
  const long fd = sys(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC, 0);
  if (fd == -ENOENT) return 1;
  if (fd < 0) return fd;
  const long rc = sys(SYS_write, fd, &value, 1);
  sys(SYS_close, fd);
  return rc == 1 ? 0 : (rc < 0 ? rc : -EIO);
}

// The kernel's struct sigaction (handler, flags, restorer, mask) on x86_64
// and arm64 alike.
struct KernelSigaction {
  long handler;
  unsigned long flags;
  long restorer;
  uint64_t mask;
};

[[noreturn]] void holder_main(const ChildArgs& a) {
  // The child starts on the parent's own fd table (CLONE_FILES; a forked
  // holder on a copy of it, which the same call empties): copying it
  // at clone and closing every copy here costs O(open fds) per holder, and the
  // orchestrator holds two fds per node: with 2000 open, that doubled the CPU
  // cost of a holder here (2.1 against 1.1 ms). CLOSE_RANGE_UNSHARE gives the child a
  // private table holding only fds 0-2 without touching the shared one; any
  // failure before this point must not open or close an fd.
  long rc = sys(SYS_close_range, 3U, ~0U, CLOSE_RANGE_UNSHARE);
  if (rc < 0) child_fail(a, kCloseFds, rc);

  if (a.die_with_parent) {
    rc = sys(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (rc < 0) child_fail(a, kPdeathsig, rc);
    // The parent may have died between clone and prctl, in which case the
    // death signal was never armed: we would be an orphan holding a netns.
    if (sys(SYS_getppid) != a.parent) child_fail(a, kParentGone, -ESRCH);
  }

  // Handlers inherited from the orchestrator would run its code here; reset
  // them all. The terminal's signals (SIGINT, SIGQUIT, SIGHUP) are ignored:
  // they reach the whole foreground process group, and a holder dying on
  // Ctrl-C would remove its namespace before the orchestrator, which handles
  // Ctrl-C, has reverted what it did. The owner ends holders with SIGKILL.
  for (int sig = 1; sig <= 64; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    KernelSigaction ksa{};
    ksa.handler = (sig == SIGINT || sig == SIGQUIT || sig == SIGHUP) ? 1 /* SIG_IGN */ : 0 /* SIG_DFL */;
    sys(SYS_rt_sigaction, sig, &ksa, nullptr, sizeof(uint64_t));
  }
  const uint64_t none = 0;
  sys(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, sizeof none);

  // Not tied to the parent: leave its session so a terminal hangup does not reach us.
  if (!a.die_with_parent) {
    rc = sys(SYS_setsid);
    if (rc < 0) child_fail(a, kSetsid, rc);
  }

  int flags = CLONE_NEWNET;
  if (a.hostname != nullptr) flags |= CLONE_NEWUTS;
  if (a.new_mount_ns) flags |= CLONE_NEWNS;
  rc = sys(SYS_unshare, flags);
  if (rc < 0) child_fail(a, kUnshare, rc);

  if (a.hostname != nullptr) {
    rc = sys(SYS_sethostname, a.hostname, a.hostname_len);
    if (rc < 0) child_fail(a, kSethostname, rc);
  }

  if (a.new_mount_ns) {
    // Without this, the tmpfs mounts below would propagate back to the host
    // wherever / is a shared mount (systemd makes it shared).
    rc = sys(SYS_mount, nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
    if (rc < 0) child_fail(a, kMountPrivate, rc);
    long shared = -1;
    if (a.shared_dir != nullptr) {
      shared = sys(SYS_openat, AT_FDCWD, a.shared_dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
      if (shared < 0) child_fail(a, kOpenShared, shared);
    }
    // The hosts file first: it usually lives under /tmp or /run, which the
    // fresh tmpfs mounts below would hide.
    if (a.hosts_file != nullptr) {
      rc = sys(SYS_mount, a.hosts_file, "/etc/hosts", nullptr, MS_BIND, nullptr);
      if (rc < 0) child_fail(a, kBindHosts, rc);
      // MS_RDONLY is ignored on the initial bind; it takes a remount.
      rc = sys(SYS_mount, nullptr, "/etc/hosts", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr);
      if (rc < 0) child_fail(a, kRemountHosts, rc);
    }
    rc = sys(SYS_mount, "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    if (rc < 0) child_fail(a, kMountTmp, rc);
    rc = sys(SYS_mount, "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
    if (rc < 0) child_fail(a, kMountRun, rc);
    if (shared >= 0) child_bind_shared(a, shared);
    // A procfs of its own (same pid namespace, same contents). Every network
    // namespace's /proc/sys/net is a separate dentry with the same name under
    // the one /proc/sys of a shared procfs, all on one hash chain: a lookup
    // there walks one entry per namespace alive, so the disable_ipv6 write
    // below cost 0.2 ms per node at 1000 nodes (quadratic in the run's size).
    // On a fresh procfs the chain holds this namespace's entry alone; node
    // processes that read sysctls get the same constant-time lookups.
    rc = sys(SYS_mount, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
    if (rc < 0) child_fail(a, kMountProc, rc);
  }

  // Before any interface is created, so none ever gets an IPv6 address or
  // sends IPv6 traffic. Only "default": lo exists already and keeps ::1, so
  // "localhost" still works inside the node over either family (and writing
  // "all" would double the cost of this step). /proc/sys/net shows the netns
  // of the writing task, which is the new one now.
  if (a.disable_ipv6) {
    // 1 (ENOENT): a kernel without IPv6, nothing to disable.
    rc = child_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", '1');
    if (rc < 0) child_fail(a, kDisableIpv6, rc);
  }

  // A TCP socket its process closed (or that died with it) lives on as an
  // orphan until its FIN is acknowledged, and holds its network namespace,
  // with the namespace's interfaces and tc filters (partition programs), for
  // as long: with the defaults (8 retries; 60 s in FIN-WAIT-2) a node whose
  // processes died while a partition, or a dead link engine, dropped their
  // FINs outlived the run by two minutes (CrashPoints found a killed run's
  // BPF programs there after cleanup). One retry and 1 s in FIN-WAIT-2 let
  // it go within a few seconds; only connections no process holds any more
  // are affected. Both sysctls are per network namespace (since 4.13/4.15).
  rc = child_sysctl("/proc/sys/net/ipv4/tcp_orphan_retries", '1');
  if (rc < 0) child_fail(a, kOrphanRetries, rc);
  rc = child_sysctl("/proc/sys/net/ipv4/tcp_fin_timeout", '1');
  if (rc < 0) child_fail(a, kFinTimeout, rc);

  rc = child_lo_up();
  if (rc < 0) child_fail(a, kLoUp, rc);

  const long null_fd = sys(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR, 0);
  if (null_fd < 0) child_fail(a, kDevNull, null_fd);
  for (long i = 0; i < 3; ++i) {
    if (null_fd == i) continue;
    rc = sys(SYS_dup3, null_fd, i, 0);
    if (rc < 0) child_fail(a, kDevNull, rc);
  }
  if (null_fd > 2) sys(SYS_close, null_fd);

  // The inherited working directory would pin whatever mount it is on for
  // the life of the run.
  rc = sys(SYS_chdir, "/");
  if (rc < 0) child_fail(a, kChdir, rc);

  // Recognisable in ps/top; the orchestrator never finds holders by name.
  rc = sys(SYS_prctl, PR_SET_NAME, "fl-holder", 0, 0, 0);
  if (rc < 0) child_fail(a, kSetName, rc);

  report(a.report, kReady, 0);
  // The report is the parent's to unmap: this child runs in its address space.
  // Wait for SIGKILL (every handler is SIG_DFL or SIG_IGN: nothing returns here).
  for (;;) sys(SYS_ppoll, nullptr, 0, nullptr, nullptr, 0);
}

// Waits for the holder's report. A holder that dies without reporting only
// shows on its pidfd, which cannot be waited on together with a futex, so the
// futex wait is sliced and the pidfd checked between slices.
Status wait_ready(Report* r, int pidfd) {
  const int64_t deadline = now_ms() + kReadyTimeoutMs;
  for (;;) {
    if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) == 1) {
      if (r->step == kReady) return {};
      return sys_error(r->err, std::string("spawn holder: ") + step_name(r->step));
    }
    pollfd p{pidfd, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0 && __atomic_load_n(&r->state, __ATOMIC_ACQUIRE) == 0) {
      return sys_error(EIO, "spawn holder: it exited before reporting");
    }
    const int64_t left = deadline - now_ms();
    if (left <= 0) return sys_error(ETIMEDOUT, "spawn holder: no readiness report");
    const int64_t slice = left < 10 ? left : 10;
    timespec ts{0, static_cast<long>(slice) * 1000000L};
    sys_futex(&r->state, FUTEX_WAIT, 0, &ts);  // EAGAIN/ETIMEDOUT/EINTR: just look again
  }
}

// The shared report page, unmapped when the owner is done with it.
struct ReportPage {
  Report* r = nullptr;
  ReportPage() = default;
  ReportPage(const ReportPage&) = delete;
  ReportPage& operator=(const ReportPage&) = delete;
  ReportPage(ReportPage&& o) noexcept : r(std::exchange(o.r, nullptr)) {}
  ReportPage& operator=(ReportPage&& o) noexcept {
    std::swap(r, o.r);
    return *this;
  }
  ~ReportPage() {
    if (r != nullptr) ::munmap(r, sizeof(Report));
  }
};

// The holder's stack: it runs holder_main (a PATH_MAX buffer at most) and
// then waits in ppoll() for the rest of the run.
constexpr size_t kHolderStack = 128 * 1024;

#ifdef FL_HOLDER_RAW_SYSCALLS
int holder_entry(void* args) { holder_main(*static_cast<const ChildArgs*>(args)); }

// Starts the holder in this process's address space (CLONE_VM) on a stack of
// its own: a fork would copy the page tables of everything the orchestrator
// has mapped, and the child's exit would tear them down again. From a
// process holding 80 MiB that is 2.9 ms per holder instead of 0.6 ms
// (bench/kernel_floor.cpp). The child therefore allocates nothing, never
// unmaps, and reads its arguments from the top of its own stack mapping.
// CLONE_FILES: no fd table copy (see holder_main). CLONE_PIDFD: the pidfd
// comes with the child, no pid-reuse window at all. *stack is the caller's
// to unmap once the child is reaped.
Result<pid_t> start_holder(const ChildArgs& a, int* pidfd, void** stack) {
  void* s = ::mmap(nullptr, kHolderStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (s == MAP_FAILED) return sys_error("spawn holder: map its stack");
  auto* args = reinterpret_cast<ChildArgs*>(static_cast<char*>(s) + kHolderStack - sizeof(ChildArgs));
  *args = a;
  char* top = reinterpret_cast<char*>(reinterpret_cast<uintptr_t>(args) & ~uintptr_t{63});
  const int pid = ::clone(holder_entry, top, CLONE_VM | CLONE_FILES | CLONE_PIDFD | SIGCHLD, args, pidfd);
  if (pid < 0) {
    const int e = errno;
    ::munmap(s, kHolderStack);
    return sys_error(e, "spawn holder: clone");
  }
  // Processes forked later (workloads) must not get a copy of this stack.
  (void)::madvise(s, kHolderStack, MADV_DONTFORK);
  *stack = s;
  return static_cast<pid_t>(pid);
}
#else
// Without raw system calls (FL_HOLDER_FORK: sanitizer builds, or an
// architecture sc() has none for), the holder is a plain fork: a copy of this
// process on a copy of this thread's stack, where libc's errno is its own and
// which the sanitizer runtimes know how to follow (they intercept fork; a
// child on a stack they never saw is one they would misread). Its pidfd is
// opened after the fork: the child is ours and unreaped, so its pid cannot
// be reused in between.
Result<pid_t> start_holder(const ChildArgs& a, int* pidfd, void** stack) {
  *stack = nullptr;
  const pid_t pid = ::fork();
  if (pid < 0) return sys_error("spawn holder: fork");
  if (pid == 0) holder_main(a);
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U));
  if (fd < 0) {
    const int e = errno;
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return sys_error(e, "spawn holder: pidfd_open");
  }
  *pidfd = fd;
  return pid;
}
#endif

}  // namespace

Result<NodeHolder> NodeHolder::start_spawn(const HolderSpec& spec, void** report) {
  if (spec.hostname.size() > HOST_NAME_MAX) {
    return sys_error(EINVAL, "spawn holder: hostname longer than " + std::to_string(HOST_NAME_MAX));
  }
  if (!spec.hosts_file.empty() && !spec.new_mount_ns) {
    return sys_error(EINVAL, "spawn holder: hosts_file needs new_mount_ns");
  }
  ChildArgs a;
  if (!spec.hostname.empty()) {
    a.hostname = spec.hostname.c_str();
    a.hostname_len = spec.hostname.size();
  }
  if (!spec.shared_dir.empty() && !spec.new_mount_ns) {
    return sys_error(EINVAL, "spawn holder: shared_dir needs new_mount_ns");
  }
  if (!spec.hosts_file.empty()) a.hosts_file = spec.hosts_file.c_str();
  if (!spec.shared_dir.empty()) a.shared_dir = spec.shared_dir.c_str();
  a.new_mount_ns = spec.new_mount_ns;
  a.die_with_parent = spec.die_with_parent;
  a.disable_ipv6 = spec.disable_ipv6;
  a.parent = ::getpid();

  ReportPage page;
  void* m = ::mmap(nullptr, sizeof(Report), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return sys_error("spawn holder: map report page");
  page.r = static_cast<Report*>(m);
  a.report = page.r;

  int pidfd = -1;
  void* stack = nullptr;
  auto pid = start_holder(a, &pidfd, &stack);
  if (!pid) return pid.error();
  // Processes forked later (workloads, and holders where CLONE_VM is not
  // used) must not get a copy of the report page; after the clone, since
  // without CLONE_VM this holder needs its own copy of it.
  (void)::madvise(page.r, sizeof(Report), MADV_DONTFORK);
  NodeHolder h;
  h.id_.pid = *pid;
  h.pidfd_.reset(pidfd);
  h.stack_ = stack;
  // From here on, h's destructor kills and reaps the child on any error.
  *report = std::exchange(page.r, nullptr);
  return h;
}

Status NodeHolder::finish_spawn(void* report) {
  ReportPage page;
  page.r = static_cast<Report*>(report);
  FL_TRY(wait_ready(page.r, pidfd_.get()));
  auto st = proc_start_time(id_.pid);
  if (!st) return wrap(st.error(), "spawn holder");
  id_.start_time = *st;
  auto ns = open_ns(id_.pid, "net");
  if (!ns) return wrap(ns.error(), "spawn holder");
  struct stat sb {};
  if (::fstat(ns->get(), &sb) != 0) return sys_error("spawn holder: fstat netns");
  netns_inode_ = static_cast<uint64_t>(sb.st_ino);
  netns_ = std::move(*ns);
  return {};
}

Result<NodeHolder> NodeHolder::spawn(const HolderSpec& spec) {
  void* report = nullptr;
  auto h = start_spawn(spec, &report);
  if (!h) return h.error();
  // On error h's destructor kills and reaps the half-made holder.
  FL_TRY(h->finish_spawn(report));
  return std::move(*h);
}

std::vector<Result<NodeHolder>> NodeHolder::spawn_many(const std::vector<HolderSpec>& specs, int parallel) {
  if (parallel < 1) parallel = 1;
  std::vector<std::optional<Result<NodeHolder>>> done(specs.size());
  struct InFlight {
    size_t index;
    NodeHolder holder;
    void* report;  // finish_spawn unmaps it
  };
  std::deque<InFlight> flight;
  auto finish_oldest = [&] {
    InFlight& f = flight.front();
    Status st = f.holder.finish_spawn(f.report);
    if (st) {
      done[f.index].emplace(std::move(f.holder));
    } else {
      done[f.index].emplace(st.error());  // f.holder's destructor reaps the child
    }
    flight.pop_front();
  };
  for (size_t i = 0; i < specs.size(); ++i) {
    if (flight.size() >= static_cast<size_t>(parallel)) finish_oldest();
    void* report = nullptr;
    auto h = start_spawn(specs[i], &report);
    if (!h) {
      done[i].emplace(h.error());
      continue;
    }
    flight.push_back(InFlight{i, std::move(*h), report});
  }
  while (!flight.empty()) finish_oldest();
  std::vector<Result<NodeHolder>> out;
  out.reserve(specs.size());
  for (auto& d : done) out.push_back(std::move(*d));
  return out;
}

NodeHolder::NodeHolder(NodeHolder&& o) noexcept
    : id_(std::exchange(o.id_, ProcId{})),
      netns_inode_(std::exchange(o.netns_inode_, 0)),
      pidfd_(std::move(o.pidfd_)),
      netns_(std::move(o.netns_)),
      stack_(std::exchange(o.stack_, nullptr)) {}

NodeHolder& NodeHolder::operator=(NodeHolder&& o) noexcept {
  if (this != &o) {
    (void)kill_and_wait();
    id_ = std::exchange(o.id_, ProcId{});
    netns_inode_ = std::exchange(o.netns_inode_, 0);
    pidfd_ = std::move(o.pidfd_);
    netns_ = std::move(o.netns_);
    stack_ = std::exchange(o.stack_, nullptr);
  }
  return *this;
}

NodeHolder::~NodeHolder() { (void)kill_and_wait(); }

Status NodeHolder::kill_and_wait() {
  if (!valid()) return {};
  // Our fd would keep the namespace (and its interfaces) alive after the holder.
  netns_.reset();
  // Error text is built only on failure: the destructor path must not allocate.
  auto what = [this] { return "kill holder pid " + std::to_string(id_.pid); };
  if (pidfd_.valid()) {
    if (sys_pidfd_send_signal(pidfd_.get(), SIGKILL) != 0 && errno != ESRCH) {
      int e = errno;
      return sys_error(e, what());
    }
    const int64_t deadline = now_ms() + kExitTimeoutMs;
    for (;;) {
      pollfd p{pidfd_.get(), POLLIN, 0};
      int64_t left = deadline - now_ms();
      if (left < 0) left = 0;
      int n = ::poll(&p, 1, static_cast<int>(left));
      if (n > 0) break;
      if (n == 0) return sys_error(ETIMEDOUT, what() + ": still alive (frozen cgroup?)");
      if (errno != EINTR) {
        int e = errno;
        return sys_error(e, what() + ": poll pidfd");
      }
    }
    // It exited; reap it. ECHILD: not ours to reap (SIGCHLD ignored, or
    // someone else's waitpid got there first), which is fine.
    siginfo_t si{};
    while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &si, WEXITED) != 0 &&
           errno == EINTR) {
    }
  }
  id_ = {};
  netns_inode_ = 0;
  pidfd_.reset();
  // Reaped: nothing runs on its stack any more (a holder still alive returned
  // above and keeps it).
  if (stack_ != nullptr) ::munmap(std::exchange(stack_, nullptr), kHolderStack);
  return {};
}

Status NodeHolder::kill_many(std::span<NodeHolder> holders) {
  for (auto& h : holders) {
    if (!h.valid()) continue;
    h.netns_.reset();
    if (h.pidfd_.valid()) (void)sys_pidfd_send_signal(h.pidfd_.get(), SIGKILL);
  }
  Status first;
  for (auto& h : holders) {
    Status st = h.kill_and_wait();  // signals again (harmless) and reaps
    if (!st && first) first = st;
  }
  return first;
}

ProcId NodeHolder::release() {
  // The holder lives on, on its stack: the mapping stays with it.
  stack_ = nullptr;
  ProcId id = std::exchange(id_, ProcId{});
  netns_inode_ = 0;
  pidfd_.reset();
  netns_.reset();
  return id;
}

namespace {

struct NetnsJob {
  const std::vector<int>* netns_fds;
  const std::function<Status(size_t)>* fn;
  Status result;
};

void* netns_thread(void* arg) {
  auto* job = static_cast<NetnsJob*>(arg);
  // Only this thread moves; it ends right after, so no thread ever returns
  // to other code in a foreign namespace.
  for (size_t i = 0; i < job->netns_fds->size(); ++i) {
    const int fd = (*job->netns_fds)[i];
    if (::setns(fd, CLONE_NEWNET) != 0) {
      job->result = sys_error("setns into netns fd " + std::to_string(fd));
      return nullptr;
    }
    job->result = (*job->fn)(i);
    if (!job->result.ok()) return nullptr;
  }
  return nullptr;
}

}  // namespace

Status in_each_netns(const std::vector<int>& netns_fds, const std::function<Status(size_t)>& fn) {
  NetnsJob job{&netns_fds, &fn, {}};
  pthread_t t;
  // pthread_create rather than std::thread: its failure is a return value, not an exception.
  int rc = ::pthread_create(&t, nullptr, netns_thread, &job);
  if (rc != 0) return sys_error(rc, "create thread to enter netns");
  rc = ::pthread_join(t, nullptr);
  if (rc != 0) return sys_error(rc, "join netns thread");
  return job.result;
}

Status in_netns(int netns_fd, const std::function<Status()>& fn) {
  return in_each_netns({netns_fd}, [&fn](size_t) { return fn(); });
}

Result<UniqueFd> open_ns(pid_t pid, const char* kind) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/ns/%s", static_cast<int>(pid), kind);
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    int e = errno == ENOENT ? ESRCH : errno;
    return sys_error(e, std::string("open ") + path);
  }
  return fd;
}

}  // namespace faultline::runtime
