// SPDX-License-Identifier: Apache-2.0
// Process identity: (pid, start time) parsing, pidfds opened race-free, and
// termination by id only.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "orchestrator/runtime/proc.hpp"

namespace faultline::runtime {
namespace {

// A child that pauses until killed. The child only makes system calls.
pid_t fork_pauser() {
  pid_t pid = ::fork();
  if (pid == 0) {
    for (;;) ::pause();
  }
  return pid;
}

// Reaps a child the test still owns, whatever state it is in.
void reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

TEST(Proc, StartTimeOfSelf) {
  auto st = proc_start_time(::getpid());
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_GT(*st, 0u);
  auto id = proc_id(::getpid());
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->pid, ::getpid());
  EXPECT_EQ(id->start_time, *st);
}

TEST(Proc, MissingPidIsEsrch) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::waitpid(pid, nullptr, 0), pid);
  auto st = proc_start_time(pid);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().err, ESRCH);
  auto ino = ns_inode(pid, "net");
  ASSERT_FALSE(ino.ok());
  EXPECT_EQ(ino.error().err, ESRCH);
}

// comm may hold spaces and parentheses: fields must be taken after the last ')'.
TEST(Proc, CommWithParenthesesAndSpaces) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_NAME, "a) b (c) d", 0, 0, 0);
    char c = 1;
    (void)!::write(p[1], &c, 1);
    for (;;) ::pause();
  }
  ASSERT_GT(pid, 0);
  ::close(p[1]);
  char c;
  ASSERT_EQ(::read(p[0], &c, 1), 1);
  ::close(p[0]);

  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  EXPECT_EQ(name, "a) b (c) d");

  auto st = proc_start_time(pid);
  ASSERT_TRUE(st.ok()) << st.error().message();
  // A forked child starts no earlier than its parent and within this test.
  auto self = proc_start_time(::getpid());
  ASSERT_TRUE(self.ok());
  EXPECT_GE(*st, *self);
  const long hz = ::sysconf(_SC_CLK_TCK);
  std::ifstream up("/proc/uptime");
  double uptime = 0;
  up >> uptime;
  EXPECT_LE(*st, static_cast<uint64_t>(uptime * static_cast<double>(hz)) + 1);
  reap(pid);
}

TEST(Proc, OpenVerifiedRejectsWrongStartTime) {
  pid_t pid = fork_pauser();
  ASSERT_GT(pid, 0);
  auto id = proc_id(pid);
  ASSERT_TRUE(id.ok()) << id.error().message();

  auto good = open_verified(*id);
  ASSERT_TRUE(good.ok()) << good.error().message();
  EXPECT_TRUE(good->valid());

  ProcId wrong = *id;
  wrong.start_time += 1;
  auto bad = open_verified(wrong);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().err, ESRCH);
  EXPECT_FALSE(is_alive(wrong));
  EXPECT_TRUE(is_alive(*id));

  // Killing by a stale id is "already gone": it must not touch the process.
  EXPECT_TRUE(kill_verified(wrong, 100).ok());
  EXPECT_TRUE(is_alive(*id));
  reap(pid);
}

TEST(Proc, KillVerifiedKillsAndReaps) {
  pid_t pid = fork_pauser();
  ASSERT_GT(pid, 0);
  auto id = proc_id(pid);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(is_alive(*id));
  auto st = kill_verified(*id, 2000);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_FALSE(is_alive(*id));
  // kill_verified reaped our child: nothing is left to wait for.
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  // Gone already: success.
  EXPECT_TRUE(kill_verified(*id, 100).ok());
}

TEST(Proc, SignalVerified) {
  pid_t pid = fork_pauser();
  ASSERT_GT(pid, 0);
  auto id = proc_id(pid);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(signal_verified(*id, SIGTERM).ok());
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  auto again = signal_verified(*id, SIGTERM);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().err, ESRCH);
}

TEST(Proc, ZombieIsNotAlive) {
  pid_t pid = fork_pauser();
  ASSERT_GT(pid, 0);
  auto id = proc_id(pid);
  ASSERT_TRUE(id.ok());
  ::kill(pid, SIGKILL);
  siginfo_t si{};
  // Wait for the exit without reaping, leaving a zombie.
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOWAIT), 0);
  EXPECT_FALSE(is_alive(*id));
  EXPECT_TRUE(kill_verified(*id, 100).ok());  // reaps it
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
}

TEST(Proc, NsInodeMatchesStat) {
  struct stat st {};
  ASSERT_EQ(::stat("/proc/self/ns/net", &st), 0);
  auto ino = ns_inode(::getpid(), "net");
  ASSERT_TRUE(ino.ok()) << ino.error().message();
  EXPECT_EQ(*ino, static_cast<uint64_t>(st.st_ino));
}

}  // namespace
}  // namespace faultline::runtime
