// SPDX-License-Identifier: Apache-2.0
// What a configuration predicts on paper, before any run: each service's
// offered rate (the loads followed through call probabilities, fan-out and
// the retries its callees' injected errors cause), its capacity (workers
// over the mean time a request holds one; the node's CPU over the mean work),
// its utilisation and its latency as an M/M/c queue (Erlang C); and, when
// every attempt fails, how many attempts each organic request brings to each
// service (retry amplification) and the load above which that outruns a
// service's capacity. The lint's checks judge these; summary.json records
// them beside what the run measured; explore starts its search from them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "orchestrator/lint/call_graph.hpp"
#include "orchestrator/lint/network.hpp"
#include "orchestrator/model/topology.hpp"

namespace faultline::lint {

struct PredictOptions {
  // The host's CPUs bound a node without a cpu limit; 0: unbounded.
  long host_cpus = 0;
};

struct ServicePrediction {
  std::string name, node;
  SourceLoc loc;
  uint32_t workers = 0;
  double offered_rps = 0;      // requests arriving, at the loads' baseline rates
  double work_s = 0;           // mean CPU per request
  double hold_s = 0;           // mean time a request holds a worker: work + wait + its calls
  double cpu_cores = 0;        // the CPU its node offers (the node's limit, else the host's); 0: unbounded
  double capacity_rps = 0;     // the least of workers / hold and (CPU left by the node's other services) / work
  bool cpu_bound = false;      // the CPU, not the workers, sets the capacity
  double busy_workers = 0;     // Little's law: offered x hold
  double utilisation = 0;      // offered / capacity
  // M/M/c; none at utilisation >= 1. Bound by workers: c = workers, service
  // time hold_s. Bound by the CPU: c = its whole cores (1 to workers) at
  // capacity / c each, plus what a request holds besides CPU. CFS bandwidth
  // throttling (a quota spent early in its period) adds waits not modelled.
  uint32_t servers = 0;
  std::optional<double> wait_probability, mean_s, p50_s, p99_s;
  // Worst case: attempts reaching it per organic request when every attempt
  // fails (the most over the loads), without and with the caps retry budgets
  // and throttles put on them; the path that brings the most.
  double worst_attempts = 0, capped_attempts = 0;
  std::vector<std::string> worst_path;  // "load:client", "api", "db"
  size_t worst_load = 0;                // its load (CallGraph::loads()) and endpoints
  std::vector<size_t> worst_endpoints;
};

struct Predictions;

struct LoadPrediction {
  model::NodeId node;
  SourceLoc loc;
  double rate_rps = 0;   // in force in the middle of the baseline
  double peak_rps = 0;   // the most its schedule or a load fault asks for
  // The organic rate of this load (the others at their baseline rates) at
  // which the capped worst-case attempts it brings to `bottleneck` reach that
  // service's capacity: above it, a trigger that makes every attempt fail
  // can keep the system down after the trigger ends. None when no service
  // has a finite capacity.
  std::optional<double> vulnerable_above_rps;
  std::string bottleneck;
  // Per service (CallGraph::services()): the attempts each organic request
  // brings to it when every attempt fails, within budgets and throttles.
  std::vector<double> capped_attempts;
  // The organic rate at which those fill service s, the other loads at their
  // baseline rates; none when it brings no attempts there or has no bound.
  std::optional<double> vulnerable_at(const Predictions& p, size_t s) const;
};

struct Predictions {
  std::vector<ServicePrediction> services;  // in topology order (CallGraph::services())
  std::vector<LoadPrediction> loads;        // CallGraph::loads()
  // Per endpoint (CallGraph::endpoints()): requests per second, the
  // probability a request fails (injected errors and failing calls), the
  // mean time it holds a worker and its mean response (queue wait + hold).
  std::vector<double> endpoint_rps, endpoint_fail, endpoint_hold_s, endpoint_response_s;
  // Per endpoint and call: the call's mean duration (attempts, backoffs and
  // round trips) and its expected attempts.
  std::vector<std::vector<double>> call_s, call_attempts;
  const ServicePrediction* find(const std::string& service) const;
};

Predictions predict(const model::Topology& topo, const CallGraph& g, const Network& net,
                    const PredictOptions& o = {});
Predictions predict(const model::Topology& topo, const PredictOptions& o = {});

// The rate a load offers in the middle of the baseline, and the most it is
// ever asked for (its schedule, load faults).
double baseline_rate(const model::Topology& topo, const model::Load& l);
double peak_rate(const model::Topology& topo, const model::Node& load_node);

}  // namespace faultline::lint
