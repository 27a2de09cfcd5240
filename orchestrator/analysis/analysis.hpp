// SPDX-License-Identifier: Apache-2.0
// Analysis of one experiment: pure functions over what the run recorded,
// returning the verdicts of the measurement vocabulary (docs/design.md).
// No clock, no I/O: unit-tested on synthetic series and request streams.
//
// Two time scales:
//   - requests (requests.hpp), judged in windows of 100 ms: each service's
//     and each call's health, the onsets of failure (to within the tries'
//     spacing, reported with their resolution), the propagation order and
//     the call it came through, its speed, the blast radius, and whether
//     each control engaged before its service degraded;
//   - the collector's ticks (1 s): collapse, recovery and metastability of
//     the whole system, and amplification, from the workloads' counters.
//
// Definitions (defaults in Thresholds and HealthRule, all configurable):
//   degraded  more of a service's tries bad than its baseline explains
//             (requests.hpp); failed: degraded with < 10% answered well;
//             idle: asked nothing in that window (never degraded for it);
//   collapse  system goodput < 10% of offered; timed from the first fault;
//   recovered after the last fault ends, system goodput >= 95% of baseline and
//             p99 <= 1.1 x baseline p99 over a whole window (the window's
//             means: single ticks carry the arrivals' Poisson noise);
//   metastable the faults are over, offered load is back at its baseline, and
//             the system has not recovered by the end of the horizon;
//   amplification per hop: attempts / calls on a call edge (what that hop's
//             retries and hedges add); cumulative: attempts on the edge per
//             organic request the load generators offered (what all hops
//             above it multiplied together);
//   blast radius the share of services degraded at any time after the first
//             fault; propagation the order and times services degraded, and
//             its speed in dependency hops per second.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/analysis/health.hpp"
#include "orchestrator/analysis/requests.hpp"

namespace faultline::analysis {

struct Thresholds {
  double slo_factor = 2.0;          // default SLO: this times the baseline p99 of the tries' latencies
  double collapse_goodput = 0.10;   // of offered load
  double recovered_goodput = 0.95;  // of baseline goodput
  double recovered_p99 = 1.10;      // of baseline p99
  size_t recovery_window_ticks = 5;
  double offered_back = 0.10;       // offered within 10% of its baseline counts as "back"
  double onset_resolution_s = 0.05; // onsets closer than this are simultaneous
  HealthRule health;
};

// Per tick; NaN where nothing was measured (a p99 without any request).
using Series = std::vector<double>;

struct ServiceInput {
  std::string name;
  std::vector<Try> tries;              // every attempt its callers sent it
  std::optional<double> slo_p99_s;     // explicit; else slo_factor x the baseline p99 of tries
  // When each control it has engaged (seconds since the start), in order;
  // a control the service does not have is absent from the map.
  std::map<std::string, std::vector<double>> controls;  // "breaker", "shedding", "retry budget"
};

// One call on an edge, from the records: when it started, how many
// attempts it sent (first, retries, hedges).
struct CallAttempts {
  double start_s = 0;
  uint32_t attempts = 0;
};

// The attempts one organic request caused on an edge, at every tier above
// it: the request's start (its root span's) and their number.
struct RequestAttempts {
  double start_s = 0;
  uint32_t attempts = 0;
};

// A call edge: caller calls callee.
struct EdgeInput {
  std::string caller, callee;  // the caller may be a load generator ("load:client")
  std::vector<Try> tries;      // the attempts the caller sent the callee
  Series attempts, calls;      // per second, per tick (a load generator's calls are its offered requests)
  // From the records, when there are any (then amplification comes from
  // them, exactly per call and per organic request; else from the series):
  std::vector<CallAttempts> call_attempts;
  std::vector<RequestAttempts> request_attempts;  // only the requests that reached the edge
};

struct Input {
  // Ticks.
  double tick_s = 1;
  size_t baseline_begin = 0, baseline_end = 0;  // ticks [begin, end)
  std::optional<size_t> first_fault;            // tick of the first fault's start
  std::optional<size_t> last_fault_end;         // tick at which the last fault ended
  std::optional<size_t> horizon_end;            // recovery must come before this tick; none: the end
  Series offered, goodput, p99_s;               // the whole system, from the load generators
  // Seconds (requests).
  double baseline_begin_s = 0, baseline_end_s = 0;
  std::optional<double> first_fault_s, last_fault_end_s;
  double horizon_end_s = 0;                     // propagation and blast radius are judged before it
  double end_s = 0;                             // the requests' windows cover [0, end_s)
  std::vector<ServiceInput> services;
  std::vector<EdgeInput> edges;
  // Every organic request the records hold (the load generators' root
  // spans), by start: what cumulative amplification is per. Empty: no
  // records; amplification then comes from the series.
  std::vector<double> organic_starts_s;
  Thresholds th;
};

struct Baseline {
  double goodput = 0;        // mean over the baseline phase
  double p99_s = 0;          // mean of the per-tick p99s (NaN ticks skipped)
  bool valid = false;        // some goodput in the baseline
};

struct ServiceFindings {
  double slo_s = 0;                // the SLO its tries were judged against
  bool slo_explicit = false;
  double baseline_p99_s = 0;       // of its tries in the baseline (NaN: none)
  SubjectHealth health;
  size_t tries = 0;                // judged over the whole run
};

struct EdgeFindings {
  std::string caller, callee;
  int tier = 0;                    // callee's depth: 1 for services the load generators call
  SubjectHealth health;            // of the caller's tries to the callee (the callee's SLO)
  // Over the fault phase (no fault: from the baseline on). From the records:
  // calls and organic requests that started in it, each with every attempt
  // it caused, whenever sent; the peaks are the worst tick of starts. (From
  // the series, when there are no records: attempts sent over calls made or
  // requests offered in the same ticks.)
  double per_hop = 0;              // attempts / calls (NaN: no calls)
  double per_hop_peak = 0;
  double cumulative = 0;           // attempts per organic request offered
  double cumulative_peak = 0;
};

struct PropagationStep {
  std::string service;
  double onset_s = 0;            // since the experiment started
  double after_fault_s = 0;      // since the first fault
  double resolution_s = 0;       // the onset lies within this of onset_s
  std::string via;               // the callee whose failures reached it ("": it failed on its own)
  std::string via_edge;          // "caller->callee" of the call the failure came through
  int hops = 0;                  // dependency distance from the first degraded service
  // Its onset lies within the resolution of the step before it: the two are
  // simultaneous as far as the tries tell.
  bool simultaneous = false;
};

struct ControlTiming {
  std::string service;
  std::string control;                  // "breaker", "shedding", "retry budget"
  std::optional<double> engaged_s;      // after the first fault; none: never engaged
  std::optional<double> degraded_s;     // when propagation reached the service
  bool outpaced = false;                // degraded before the control engaged (beyond the resolution), or it never did
  bool simultaneous = false;            // engaged and degraded within the resolution
};

struct Findings {
  Baseline system;
  std::map<std::string, ServiceFindings> services;
  std::vector<EdgeFindings> edges;
  std::vector<PropagationStep> propagation;   // in the order services degraded
  std::optional<double> hops_per_s;           // none: fewer than two hops, or all within the resolution
  std::optional<double> time_to_collapse_s;
  bool collapsed = false;
  bool recovered = false;
  std::optional<double> recovery_s;           // after the last fault ended
  bool metastable = false;
  double blast_radius = 0;                    // 0..1
  double max_cumulative_amplification = 0;    // largest cumulative amplification of any edge
  double max_hop_amplification = 0;           // largest per-hop amplification of any edge
  std::vector<ControlTiming> controls;
};

Findings analyse(const Input& in);

// Helpers shared with expectation checks.
double mean(const Series& s, size_t begin, size_t end);  // NaNs skipped; NaN when none
double percentile(const Series& s, size_t begin, size_t end, double q);

}  // namespace faultline::analysis
