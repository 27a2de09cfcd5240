// SPDX-License-Identifier: Apache-2.0
// Work on a second thread where one can start, else on the caller: for paths
// that promise not to throw (teardown in destructors) or must not fail for
// want of a thread. std::thread throws std::system_error when the kernel
// refuses a thread (EAGAIN under a pids limit or RLIMIT_NPROC), which past a
// noexcept ends the process; pthread_create returns the refusal instead, and
// the work then runs inline at join(). Nothing here allocates.
#pragma once

#include <pthread.h>

namespace faultline {

template <class Fn>
class SideTask {
 public:
  // Starts fn() on a new thread; fn must not throw, and must outlive join().
  explicit SideTask(Fn& fn) noexcept : fn_(fn) { started_ = ::pthread_create(&thread_, nullptr, &run, this) == 0; }
  SideTask(const SideTask&) = delete;
  SideTask& operator=(const SideTask&) = delete;
  ~SideTask() { join(); }

  // Waits for the thread, or runs fn() here when none could start.
  void join() noexcept {
    if (joined_) return;
    joined_ = true;
    if (started_)
      ::pthread_join(thread_, nullptr);
    else
      fn_();
  }
  // Whether fn() ran (or runs) on a thread of its own.
  bool on_thread() const noexcept { return started_; }

 private:
  static void* run(void* self) noexcept {
    static_cast<SideTask*>(self)->fn_();
    return nullptr;
  }
  Fn& fn_;
  pthread_t thread_{};
  bool started_ = false;
  bool joined_ = false;
};

}  // namespace faultline
