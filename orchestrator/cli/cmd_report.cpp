// SPDX-License-Identifier: Apache-2.0
// faultline report DIR: (re)writes DIR/report.html from the results folder,
// e.g. after copying a run elsewhere or after a newer faultline improved the
// page. Needs no root and touches nothing but that one file.
#include <cstdio>
#include <string>

#include "base/result.hpp"
#include "orchestrator/report/report.hpp"

#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"

namespace faultline::cli {

int cmd_report(const std::string& dir) {
  const auto st = report::write_report(dir);
  if (!st.ok()) fail(input_failure(st.error()), st.error().message());
  std::printf("%s/report.html\n", dir.empty() ? "." : dir.c_str());
  return 0;
}

}  // namespace faultline::cli
