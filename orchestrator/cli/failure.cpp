// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/cli/failure.hpp"

#include <cerrno>

namespace faultline::cli {

void fail(Failure f, const std::string& what) { throw FatalError(exit_code(f), what); }

namespace {

// No privilege, no space, or a kernel without the feature (EOPNOTSUPP, e.g.
// no sch_netem; ENOSYS).
bool environment_errno(int err) {
  return err == EPERM || err == EACCES || err == EROFS || err == ENOSPC || err == EDQUOT || err == EOPNOTSUPP ||
         err == ENOSYS;
}

}  // namespace

Failure input_failure(const Error& e) {
  switch (e.err) {
    case 0:
    case ENOENT:
    case EINVAL:
    case ENOTDIR:
    case EISDIR:
    case ELOOP:
    case ENAMETOOLONG:
    case E2BIG:  // a limit the request would pass (partition rules per node)
      return Failure::kBadInput;
    default:
      return environment_errno(e.err) ? Failure::kEnvironment : Failure::kRuntime;
  }
}

Failure run_failure(const Error& e) {
  if (e.err == EEXIST) return Failure::kBadInput;
  return environment_errno(e.err) ? Failure::kEnvironment : Failure::kRuntime;
}

}  // namespace faultline::cli
