// SPDX-License-Identifier: Apache-2.0
// The programs faultline starts inside nodes, found the same way for each:
// an environment variable, else beside the faultline binary (installed), else
// in the build tree (faultline sits in <build>/orchestrator).
#pragma once

#include <string>

#include "base/result.hpp"

namespace faultline::runtime {

struct Binary {
  const char* name;       // "faultline-service"
  const char* env;        // "FAULTLINE_SERVICE": a path that overrides the search
  const char* build_dir;  // "workloads/service": its folder in the build tree
};

inline constexpr Binary kLinkd{"faultline-linkd", "FAULTLINE_LINKD", "netem/engine"};
inline constexpr Binary kServiceBinary{"faultline-service", "FAULTLINE_SERVICE", "workloads/service"};
inline constexpr Binary kLoadgenBinary{"faultline-loadgen", "FAULTLINE_LOADGEN", "workloads/loadgen"};

// The absolute path of an executable copy; ENOENT naming where it looked and
// the variable that overrides the search.
Result<std::string> find_binary(const Binary& b);

}  // namespace faultline::runtime
