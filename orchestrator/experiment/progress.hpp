// SPDX-License-Identifier: Apache-2.0
// What a running experiment shows: on a terminal one live status line
// (phase, time, goodput, active faults, worst service), rewritten in place;
// otherwise quiet, line-oriented output (phase changes, faults, and a status
// line every 10 s) fit for logs and CI.
#pragma once

#include <cstdio>
#include <string>

namespace faultline::experiment {

class Progress {
 public:
  Progress(FILE* out, bool tty) : out_(out), tty_(tty) {}
  ~Progress() { finish(); }
  // A line that stays (a phase change, a fault).
  void note(double t_s, const std::string& what);
  // The status of this tick.
  void status(const std::string& phase, double t_s, double end_s, double goodput, double offered,
              const std::string& faults, const std::string& worst);
  void finish();

 private:
  FILE* out_;
  bool tty_;
  bool line_open_ = false;
  double last_line_t_ = -1e9;
};

}  // namespace faultline::experiment
