// SPDX-License-Identifier: Apache-2.0
// `faultline explore`, the search itself: pure (no runs, no clock, no
// files). Given the verdicts of the runs so far, which point to run next,
// and where the boundary between runs that recover and runs that do not
// lies, with its 95% interval. The CLI runs what next_point names, records
// the verdict, and asks again; the tests inject verdicts.
//
// One axis (x) is bisected; a second (y), when given, is sampled at a few
// values and x bisected along each (a line). A point's verdict is the
// majority of its runs; the two points that bracket the boundary are run
// `repeat` times each, so a noisy verdict there moves the bracket rather
// than being believed once.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace faultline::experiment::explore {

struct Axis {
  std::string key;     // a --set key, e.g. node.svc.service.8080.queue
  double lo = 0, hi = 0;
  bool integer = false;  // values rounded to whole numbers (a queue bound, a retry count)
  std::string suffix;    // a unit written after the value ("s" of "5s"), or ""
};

struct Spec {
  Axis x;                  // bisected
  std::optional<Axis> y;   // one line of x per value of y
  int repeat = 1;          // runs at each point that brackets a boundary
  int budget = 12;         // runs in all, never exceeded
  int lines = 5;           // values of y (ignored without y)
};

struct Point {
  double x = 0, y = 0;  // y is 0 without a y axis
  bool operator==(const Point&) const = default;
};

// One finished run: where, and whether it recovered (or passed its expectations).
struct Observation {
  Point at;
  bool good = false;
};

// The values of y, evenly spaced from lo to hi (whole numbers on an integer
// axis, duplicates dropped); {0} without a y axis.
std::vector<double> line_values(const Spec& s);

// The point to run next, or none when the search is done (every line has
// bracketed its boundary to the axis' resolution, repeated its bracket, or
// used its share of the budget). A pure function of the observations, so
// that an explore resumed from its journal continues exactly where it stopped.
std::optional<Point> next_point(const Spec& s, const std::vector<Observation>& obs);

// The smallest step worth bisecting: 1 on an integer axis, else 1/64 of the range.
double resolution(const Axis& a);

struct Boundary {
  enum class Kind {
    kFound,    // runs on one side recover, on the other they do not
    kAllGood,  // every point of the range recovers
    kAllBad,   // none does
    kOpen,     // the ends of the range are not both run yet (the budget ended first)
    kNoRuns,
  };
  Kind kind = Kind::kNoRuns;
  bool good_below = true;  // the recovering side is below the boundary
  double estimate = 0;     // where a run is as likely to recover as not
  double ci_lo = 0, ci_hi = 0;  // 95% interval of the estimate
  // The bracket: the last point that recovers and the first that does not
  // (by the majority of their runs), in the direction of good_below.
  double last_good = 0, first_bad = 0;
  int runs = 0;
};

// The boundary along the line at y, from the observations on it: a logistic
// model of P(recover | x) fitted by maximum likelihood, its midpoint the
// estimate and its 95% interval the profile-likelihood one (the midpoints
// whose likelihood-ratio statistic is within chi-square(1) 3.84 of the best).
// When the runs separate cleanly the interval is the bracket; points whose
// runs disagree widen it.
Boundary estimate_boundary(const Spec& s, double y, const std::vector<Observation>& obs);

}  // namespace faultline::experiment::explore
