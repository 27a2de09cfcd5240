// faultline report DIR: (re)writes DIR/report.html from the results folder,
// e.g. after copying a run elsewhere or after a newer faultline improved the
// page. Needs no root and touches nothing but that one file.
#include <cerrno>
#include <cstdio>
#include <string>

#include "base/result.hpp"
#include "orchestrator/report/report.hpp"

#include "orchestrator/cli/commands.hpp"

namespace faultline::cli {

int cmd_report(const std::string& dir) {
  const auto st = report::write_report(dir);
  if (!st.ok()) {
    // A missing or malformed summary.json is bad input, anything else the environment.
    const bool bad_input = st.error().err == 0 || st.error().err == ENOENT;
    std::fprintf(stderr, "faultline: %s\n", st.error().message().c_str());
    return bad_input ? kExitBadInput : kExitEnvironment;
  }
  std::printf("%s/report.html\n", dir.empty() ? "." : dir.c_str());
  return kExitOk;
}

}  // namespace faultline::cli
