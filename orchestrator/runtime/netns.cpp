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
  kBindHosts,
  kRemountHosts,
  kOpenShared,
  kMkdirShared,
  kBindShared,
  kRemountShared,
  kDisableIpv6,
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
    case kBindHosts: return "bind-mount hosts file over /etc/hosts";
    case kRemountHosts: return "remount /etc/hosts read-only";
    case kOpenShared: return "open the shared folder";
    case kMkdirShared: return "create the shared folder's mount point";
    case kBindShared: return "bind-mount the shared folder";
    case kRemountShared: return "remount the shared folder read-only";
    case kDisableIpv6: return "disable IPv6";
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

void report(Report* r, int32_t step, int32_t err) {
  r->step = step;
  r->err = err;
  __atomic_store_n(&r->state, 1U, __ATOMIC_RELEASE);
  sys_futex(&r->state, FUTEX_WAKE, 1, nullptr);
}

// Brings lo up with one raw RTM_NEWLINK on a stack buffer: no allocation, so
// it is safe in the forked child. Doing it here, already inside the new
// namespace, saves the parent a helper thread per node. Returns 0 or sets errno.
int child_lo_up() {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return -1;
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
  int rc = -1;
  if (::sendto(fd, &req, sizeof req, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) ==
      static_cast<ssize_t>(sizeof req)) {
    alignas(nlmsghdr) char buf[512];
    ssize_t n;
    do {
      n = ::recv(fd, buf, sizeof buf, 0);
    } while (n < 0 && errno == EINTR);
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    if (n >= static_cast<ssize_t>(NLMSG_LENGTH(sizeof(nlmsgerr))) && h->nlmsg_type == NLMSG_ERROR) {
      auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(h));
      if (e->error == 0) {
        rc = 0;
      } else {
        errno = -e->error;
      }
    } else if (n >= 0) {
      errno = EPROTO;
    }
  }
  int saved = errno;
  ::close(fd);
  errno = saved;
  return rc;
}

[[noreturn]] void child_fail(const ChildArgs& a, Step step) {
  report(a.report, step, errno);
  ::_exit(127);
}

// mkdir -p for the child: no allocation. Returns 0, or -1 with errno set.
int child_mkdirs(const char* path) {
  char buf[PATH_MAX];
  const size_t n = std::strlen(path);
  if (n >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; ++i) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    const char c = buf[i];
    buf[i] = '\0';
    if (::mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
    buf[i] = c;
  }
  return 0;
}

// "/proc/self/fd/<fd>" into buf, without snprintf (not async-signal-safe).
void child_fd_path(int fd, char (&buf)[32]) {
  const char prefix[] = "/proc/self/fd/";
  std::memcpy(buf, prefix, sizeof prefix - 1);
  char digits[12];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + fd % 10);
    fd /= 10;
  } while (fd > 0 && n < 11);
  size_t at = sizeof prefix - 1;
  while (n > 0) buf[at++] = digits[--n];
  buf[at] = '\0';
}

// The shared folder, read-only at its own path inside the node. It usually
// lives under /tmp or /run, which the node's fresh tmpfs mounts hide: it is
// opened before those mounts and bound through its fd after them.
void child_bind_shared(const ChildArgs& a, int fd) {
  char src[32];
  child_fd_path(fd, src);
  if (child_mkdirs(a.shared_dir) != 0) child_fail(a, kMkdirShared);
  if (::mount(src, a.shared_dir, nullptr, MS_BIND, nullptr) != 0) child_fail(a, kBindShared);
  if (::mount(nullptr, a.shared_dir, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
    child_fail(a, kRemountShared);
  }
  ::close(fd);
}

// Runs in the cloned child: only system calls, no allocation, no locks. It
// was created by a raw clone3, so glibc's fork bookkeeping did not run: no
// pthread, raise() or abort() here (the cached thread id is the parent's).
[[noreturn]] void holder_main(const ChildArgs& a) {
  // The child starts on the parent's own fd table (CLONE_FILES): copying it
  // at fork and closing every copy here costs O(open fds) per holder, and the
  // orchestrator holds two fds per node: with 2000 open, that doubled the CPU
  // cost of a holder here (2.1 against 1.1 ms). CLOSE_RANGE_UNSHARE gives the child a
  // private table holding only fds 0-2 without touching the shared one; any
  // failure before this point must not open or close an fd.
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_UNSHARE) != 0) child_fail(a, kCloseFds);

  if (a.die_with_parent) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) child_fail(a, kPdeathsig);
    // The parent may have died between clone and prctl, in which case the
    // death signal was never armed: we would be an orphan holding a netns.
    if (::getppid() != a.parent) {
      errno = ESRCH;
      child_fail(a, kParentGone);
    }
  }

  // Handlers inherited from the orchestrator would run its code here; reset
  // them all. The terminal's signals (SIGINT, SIGQUIT, SIGHUP) are ignored:
  // they reach the whole foreground process group, and a holder dying on
  // Ctrl-C would remove its namespace before the orchestrator, which handles
  // Ctrl-C, has reverted what it did. The owner ends holders with SIGKILL.
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction sa {};
    sa.sa_handler = (sig == SIGINT || sig == SIGQUIT || sig == SIGHUP) ? SIG_IGN : SIG_DFL;
    ::sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, nullptr);  // fails harmlessly for glibc's reserved signals
  }
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  // Not tied to the parent: leave its session so a terminal hangup does not reach us.
  if (!a.die_with_parent && ::setsid() < 0) child_fail(a, kSetsid);

  int flags = CLONE_NEWNET;
  if (a.hostname != nullptr) flags |= CLONE_NEWUTS;
  if (a.new_mount_ns) flags |= CLONE_NEWNS;
  if (::unshare(flags) != 0) child_fail(a, kUnshare);

  if (a.hostname != nullptr && ::sethostname(a.hostname, a.hostname_len) != 0) child_fail(a, kSethostname);

  if (a.new_mount_ns) {
    // Without this, the tmpfs mounts below would propagate back to the host
    // wherever / is a shared mount (systemd makes it shared).
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) child_fail(a, kMountPrivate);
    int shared = -1;
    if (a.shared_dir != nullptr) {
      shared = ::open(a.shared_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (shared < 0) child_fail(a, kOpenShared);
    }
    // The hosts file first: it usually lives under /tmp or /run, which the
    // fresh tmpfs mounts below would hide.
    if (a.hosts_file != nullptr) {
      if (::mount(a.hosts_file, "/etc/hosts", nullptr, MS_BIND, nullptr) != 0) child_fail(a, kBindHosts);
      // MS_RDONLY is ignored on the initial bind; it takes a remount.
      if (::mount(nullptr, "/etc/hosts", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
        child_fail(a, kRemountHosts);
      }
    }
    if (::mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) child_fail(a, kMountTmp);
    if (::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) child_fail(a, kMountRun);
    if (shared >= 0) child_bind_shared(a, shared);
  }

  // Before any interface is created, so none ever gets an IPv6 address or
  // sends IPv6 traffic. Only "default": lo exists already and keeps ::1, so
  // "localhost" still works inside the node over either family (and writing
  // "all" would double the cost of this step). /proc/sys/net shows the netns
  // of the writing task, which is the new one now.
  if (a.disable_ipv6) {
    int fd = ::open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      if (::write(fd, "1", 1) != 1) child_fail(a, kDisableIpv6);
      ::close(fd);
    } else if (errno != ENOENT) {  // ENOENT: a kernel without IPv6, nothing to disable
      child_fail(a, kDisableIpv6);
    }
  }

  if (child_lo_up() != 0) child_fail(a, kLoUp);

  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd < 0) child_fail(a, kDevNull);
  for (int i = 0; i < 3; ++i) {
    if (null_fd != i && ::dup2(null_fd, i) < 0) child_fail(a, kDevNull);
  }
  if (null_fd > 2) ::close(null_fd);

  // The inherited working directory would pin whatever mount it is on for
  // the life of the run.
  if (::chdir("/") != 0) child_fail(a, kChdir);

  // Recognisable in ps/top; the orchestrator never finds holders by name.
  if (::prctl(PR_SET_NAME, "fl-holder", 0, 0, 0) != 0) child_fail(a, kSetName);

  report(a.report, kReady, 0);
  // The parent unmaps its side once it has read the report; drop ours so the
  // page is freed then.
  ::munmap(a.report, sizeof(Report));
  for (;;) ::pause();
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

// struct clone_args of the clone3 ABI, first version (64 bytes); spelled out
// because <linux/sched.h> clashes with glibc's <sched.h>.
struct CloneArgs {
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
};

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
  CloneArgs ca{};
  // CLONE_FILES: no fd table copy (see holder_main). CLONE_PIDFD: the pidfd
  // comes with the child, no pid-reuse window at all. Like fork otherwise: a
  // copy-on-write address space and the child continues on its copy of this
  // stack (stack = 0).
  ca.flags = CLONE_FILES | CLONE_PIDFD;
  ca.pidfd = reinterpret_cast<uintptr_t>(&pidfd);
  ca.exit_signal = SIGCHLD;
  const long pid = ::syscall(SYS_clone3, &ca, sizeof ca);
  if (pid < 0) return sys_error("spawn holder: clone3");
  if (pid == 0) holder_main(a);
  // Holders spawned later must not inherit this page (they would keep it
  // alive after both of us unmap it).
  (void)::madvise(page.r, sizeof(Report), MADV_DONTFORK);

  NodeHolder h;
  h.id_.pid = static_cast<pid_t>(pid);
  h.pidfd_.reset(pidfd);
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
      netns_(std::move(o.netns_)) {}

NodeHolder& NodeHolder::operator=(NodeHolder&& o) noexcept {
  if (this != &o) {
    (void)kill_and_wait();
    id_ = std::exchange(o.id_, ProcId{});
    netns_inode_ = std::exchange(o.netns_inode_, 0);
    pidfd_ = std::move(o.pidfd_);
    netns_ = std::move(o.netns_);
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
  ProcId id = std::exchange(id_, ProcId{});
  netns_inode_ = 0;
  pidfd_.reset();
  netns_.reset();
  return id;
}

namespace {

struct NetnsJob {
  int netns_fd;
  const std::function<Status()>* fn;
  Status result;
};

void* netns_thread(void* arg) {
  auto* job = static_cast<NetnsJob*>(arg);
  // Only this thread moves; it ends right after, so no thread ever returns
  // to other code in a foreign namespace.
  if (::setns(job->netns_fd, CLONE_NEWNET) != 0) {
    job->result = sys_error("setns into netns fd " + std::to_string(job->netns_fd));
    return nullptr;
  }
  job->result = (*job->fn)();
  return nullptr;
}

}  // namespace

Status in_netns(int netns_fd, const std::function<Status()>& fn) {
  NetnsJob job{netns_fd, &fn, {}};
  pthread_t t;
  // pthread_create rather than std::thread: its failure is a return value, not an exception.
  int rc = ::pthread_create(&t, nullptr, netns_thread, &job);
  if (rc != 0) return sys_error(rc, "create thread to enter netns");
  rc = ::pthread_join(t, nullptr);
  if (rc != 0) return sys_error(rc, "join netns thread");
  return job.result;
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
