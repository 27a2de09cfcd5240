// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/softirq_watch.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace faultline::netem::engine {

SoftirqWatch SoftirqWatch::open() {
  SoftirqWatch w;
  DIR* d = ::opendir("/proc");
  if (!d) return w;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    const std::string base = std::string("/proc/") + e->d_name;
    char comm[32] = {};
    UniqueFd c(::open((base + "/comm").c_str(), O_RDONLY | O_CLOEXEC));
    if (!c.valid()) continue;
    const ssize_t n = ::read(c.get(), comm, sizeof comm - 1);
    if (n <= 0 || std::strncmp(comm, "ksoftirqd/", 10) != 0) continue;
    const int cpu = std::atoi(comm + 10);
    if (cpu < 0 || cpu > 4095) continue;
    if (w.stat_.size() <= static_cast<size_t>(cpu)) w.stat_.resize(static_cast<size_t>(cpu) + 1);
    w.stat_[static_cast<size_t>(cpu)].reset(::open((base + "/stat").c_str(), O_RDONLY | O_CLOEXEC));
  }
  ::closedir(d);
  return w;
}

bool SoftirqWatch::pending_on_this_cpu() const {
  const int cpu = ::sched_getcpu();
  if (cpu < 0 || static_cast<size_t>(cpu) >= stat_.size() || !stat_[static_cast<size_t>(cpu)].valid()) return false;
  char buf[256];
  const ssize_t n = ::pread(stat_[static_cast<size_t>(cpu)].get(), buf, sizeof buf - 1, 0);
  if (n <= 0) return false;
  buf[n] = 0;
  // "pid (comm) S ...": the state follows the last ')'.
  const char* p = std::strrchr(buf, ')');
  return p && p[1] == ' ' && p[2] == 'R';
}

}  // namespace faultline::netem::engine
