// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/binaries.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace faultline::runtime {

Result<std::string> find_binary(const Binary& b) {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv(b.env); env && *env) {
    if (::access(env, X_OK) == 0) return fs::absolute(env).string();
    return sys_error(ENOENT, std::string(b.env) + "=" + env + " is not an executable file");
  }
  std::error_code ec;
  const auto self = fs::read_symlink("/proc/self/exe", ec).parent_path();
  const fs::path beside = self / b.name, built = self / ".." / b.build_dir / b.name;
  for (const auto& cand : {beside, built})
    if (::access(cand.c_str(), X_OK) == 0) return fs::weakly_canonical(cand, ec).string();
  return sys_error(ENOENT, std::string("find ") + b.name + ": not beside faultline (" + beside.string() +
                               ") nor in the build tree (" + built.lexically_normal().string() + "); build it or set " +
                               b.env);
}

}  // namespace faultline::runtime
