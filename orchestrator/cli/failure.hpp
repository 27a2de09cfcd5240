// SPDX-License-Identifier: Apache-2.0
// How a failing verb ends: the one table from what went wrong to the exit
// code (README, "Exit codes"). Every verb throws through fail() or returns
// exit_code(); main() prints the message and returns the code.
#pragma once

#include <string>

#include "base/result.hpp"

namespace faultline::cli {

enum class Failure {
  kExpectation,  // 1: the run finished and an [expect] check failed; or the lint found something (--strict)
  kBadInput,     // 2: the command line, a file or a name given is wrong; nothing was created
  kEnvironment,  // 3: the machine lacks what is needed (root, a kernel feature, a binary, permissions)
  kRuntime,      // 4: something failed while doing it (the message says what, with the errno)
};

constexpr int exit_code(Failure f) {
  switch (f) {
    case Failure::kExpectation: return kExitExpectationFailed;
    case Failure::kBadInput: return kExitBadInput;
    case Failure::kEnvironment: return kExitEnvironment;
    case Failure::kRuntime: return kExitRuntime;
  }
  return kExitRuntime;
}

// Throws the one FatalError main() catches.
[[noreturn]] void fail(Failure f, const std::string& what);

// An error about what the user named or asked for (a results folder, a
// summary, a run's link, node or partition, a fault): absent, not what it
// should be, invalid or malformed (a logic error, ENOENT, EINVAL...) is bad
// input; missing privileges, space or a kernel feature the environment (as
// for run_failure); anything else a runtime failure.
Failure input_failure(const Error& e);

// An error while bringing a run up or changing it: a name already taken is
// bad input, missing privileges or a kernel feature (EOPNOTSUPP, ENOSYS) the
// environment, anything else a runtime failure.
Failure run_failure(const Error& e);

}  // namespace faultline::cli
