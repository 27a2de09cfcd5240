// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/progress.hpp"

#include <cmath>

namespace faultline::experiment {

void Progress::note(double t_s, const std::string& what) {
  if (tty_ && line_open_) std::fputs("\r\033[K", out_);
  line_open_ = false;
  std::fprintf(out_, "[%7.1fs] %s\n", t_s, what.c_str());
  std::fflush(out_);
}

void Progress::status(const std::string& phase, double t_s, double end_s, double goodput, double offered,
                      const std::string& faults, const std::string& worst) {
  char gp[64] = "goodput -";
  if (std::isfinite(goodput) && std::isfinite(offered) && offered > 0)
    std::snprintf(gp, sizeof gp, "goodput %.0f/s (%.0f%% of offered)", goodput, 100 * goodput / offered);
  else if (std::isfinite(goodput))
    std::snprintf(gp, sizeof gp, "goodput %.0f/s", goodput);
  char line[512];
  std::snprintf(line, sizeof line, "%-8s %6.1f/%.0fs  %s  faults: %s  worst: %s", phase.c_str(), t_s, end_s, gp,
                faults.empty() ? "none" : faults.c_str(), worst.empty() ? "-" : worst.c_str());
  if (tty_) {
    std::fprintf(out_, "\r\033[K%s", line);
    line_open_ = true;
    std::fflush(out_);
  } else if (t_s - last_line_t_ >= 10) {
    std::fprintf(out_, "[%7.1fs] %s\n", t_s, line);
    std::fflush(out_);
    last_line_t_ = t_s;
  }
}

void Progress::finish() {
  if (tty_ && line_open_) {
    std::fputs("\n", out_);
    std::fflush(out_);
  }
  line_open_ = false;
}

}  // namespace faultline::experiment
