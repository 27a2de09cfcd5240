// SPDX-License-Identifier: Apache-2.0
// Runs one of the tests' Python helpers (tests/support/*.py) with Debian's
// python3 (FL_PYTHON3, where a python3 earlier in PATH may lack Debian's
// modules), capturing what it prints.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#ifndef FL_PYTHON3
#define FL_PYTHON3 "python3"
#endif

namespace faultline::testing {

struct PythonRun {
  int status = -1;      // the exit status; -1: it did not run or exit
  std::string output;   // standard output and error together (or what failed)
};

// tests/support/<script> with `args`.
inline PythonRun run_python(const std::string& script, const std::vector<std::string>& args) {
  PythonRun r;
  const std::string path = std::string(FL_SOURCE_DIR) + "/tests/support/" + script;
  std::vector<const char*> argv = {FL_PYTHON3, path.c_str()};
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    r.output = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    r.output = std::string("fork: ") + std::strerror(errno);
    return r;
  }
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::execv(FL_PYTHON3, const_cast<char* const*>(argv.data()));
    argv[0] = "python3";
    ::execvp("python3", const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }
  ::close(out[1]);
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    r.output.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(st)) r.status = WEXITSTATUS(st);
  return r;
}

}  // namespace faultline::testing
