// Analysis of one experiment: pure functions over the series the collector
// recorded (one value per tick), returning the verdicts of the design's
// measurement vocabulary. No clock, no I/O: unit-tested on synthetic series.
//
// Definitions (defaults in Thresholds, all configurable):
//   degraded  a service's goodput < 90% of its baseline, or its p99 > its SLO
//             (the SLO: explicit, else slo_factor x its baseline p99), or it
//             did not answer the collector's scrape in that tick (unresponsive:
//             starved of CPU, paused, dead; the scrape path carries no fault);
//   failed    goodput < 10% of its baseline;
//   collapse  system goodput < 10% of offered; timed from the first fault;
//   recovered after the last fault ends, system goodput >= 95% of baseline and
//             p99 <= 1.1 x baseline p99 over a whole window (the window's
//             means: single ticks carry the arrivals' Poisson noise);
//   metastable the faults are over, offered load is back at its baseline, and
//             the system has not recovered by the end of the horizon;
//   amplification attempts / offered (organic) requests, per edge and tier;
//   blast radius the share of services degraded at any time after the first
//             fault; propagation the order and times services degraded, and
//             its speed in dependency hops per second.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace faultline::analysis {

struct Thresholds {
  double degraded_goodput = 0.90;   // of the service's baseline goodput
  double failed_goodput = 0.10;
  double slo_factor = 2.0;          // default p99 SLO: this times the baseline p99
  double collapse_goodput = 0.10;   // of offered load
  double recovered_goodput = 0.95;  // of baseline goodput
  double recovered_p99 = 1.10;      // of baseline p99
  size_t recovery_window_ticks = 5;
  double offered_back = 0.10;       // offered within 10% of its baseline counts as "back"
};

// Per tick; NaN where nothing was measured (a p99 without any request).
using Series = std::vector<double>;

struct ServiceSeries {
  std::string name;
  Series goodput;            // successful responses per second
  Series p99_s;              // server-side p99 latency, seconds
  Series up;                 // 1: answered the collector's scrape, 0: did not; empty/NaN: not recorded
  std::optional<double> slo_p99_s;
  // Resilience controls, per second (0 = not engaging in that tick).
  Series breaker_open;       // downstream breakers open
  Series shed;               // requests shed
  Series budget_exhausted;   // retries refused by a budget or throttle
};

// A dependency: caller calls callee; attempts per second on that edge.
struct EdgeSeries {
  std::string caller, callee;  // the caller may be a load generator ("load:client")
  Series attempts;
};

struct Input {
  double tick_s = 1;
  size_t baseline_begin = 0, baseline_end = 0;  // ticks [begin, end)
  std::optional<size_t> first_fault;            // tick of the first fault's start
  std::optional<size_t> last_fault_end;         // tick at which the last fault ended
  std::optional<size_t> horizon_end;            // recovery must come before this tick; none: the end
  Series offered, goodput, p99_s;               // the whole system, from the load generators
  std::vector<ServiceSeries> services;
  std::vector<EdgeSeries> edges;
  // Services on the faults' targets (a node's services, both ends of a
  // link): within one tick, services nearer to them degraded first.
  std::vector<std::string> origins;
  Thresholds th;
};

enum class Health { kUnknown, kHealthy, kDegraded, kFailed };
const char* to_string(Health h);

struct Baseline {
  double goodput = 0;        // mean over the baseline phase
  double p99_s = 0;          // mean of the per-tick p99s (NaN ticks skipped)
  double slo_p99_s = 0;
  bool valid = false;        // some goodput in the baseline
};

struct PropagationStep {
  std::string service;
  size_t tick = 0;
  double after_fault_s = 0;  // since the first fault
  std::string via;           // the already-degraded neighbour it was reached from ("" for the first)
  int hops = 0;              // dependency distance from the first degraded service
  // Degraded in the same tick as the step before it: their relative order is
  // not measured but taken from the call graph (nearer the faults' targets
  // first). A finer experiment.tick separates them.
  bool same_tick = false;
};

struct ControlTiming {
  std::string service;
  std::string control;                  // "breaker", "shedding", "retry budget"
  std::optional<double> engaged_s;      // after the first fault; none: never engaged
  std::optional<double> degraded_s;     // when propagation reached the service
  bool outpaced = false;                // reached (degraded) before the control engaged, or it never did
};

struct Amplification {
  std::string caller, callee;
  int tier = 0;              // callee's depth: 1 for services the load generators call
  double during_fault = 0;   // attempts / offered over the fault phase
  double peak = 0;           // largest per-tick ratio
};

struct Findings {
  Baseline system;
  std::map<std::string, Baseline> baselines;
  std::map<std::string, std::vector<Health>> health;
  std::vector<PropagationStep> propagation;   // in the order services degraded
  std::optional<double> hops_per_s;           // none: fewer than two hops, or no time between them
  std::optional<double> time_to_collapse_s;
  bool collapsed = false;
  bool recovered = false;
  std::optional<double> recovery_s;           // after the last fault ended
  bool metastable = false;
  double blast_radius = 0;                    // 0..1
  std::vector<Amplification> amplification;   // per edge
  std::map<int, double> tier_amplification;   // tier -> attempts into the tier / offered, fault phase
  double max_amplification = 0;               // largest tier amplification
  std::vector<ControlTiming> controls;
};

Findings analyse(const Input& in);

// Helpers shared with expectation checks.
double mean(const Series& s, size_t begin, size_t end);  // NaNs skipped; NaN when none
double percentile(const Series& s, size_t begin, size_t end, double q);

}  // namespace faultline::analysis
