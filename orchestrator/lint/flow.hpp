// SPDX-License-Identifier: Apache-2.0
// Requests flowing from the load generators through the endpoints: at each
// call a request becomes probability x multiplier requests to the callee
// (the multiplier: the call's attempts, expected or worst-case). Computed
// level by level (a path of k calls counts at level k), so a fan-out costs
// its edges, not its paths; probabilistic cycles fade, and one that
// amplifies is cut at kMaxDepth calls.
#pragma once

#include <functional>
#include <vector>

#include "orchestrator/lint/call_graph.hpp"

namespace faultline::lint {

inline constexpr size_t kMaxDepth = 64;

// Requests per call to its callee, per request of the calling endpoint
// (without the call's probability, which propagate applies).
using Multiplier = std::function<double(size_t endpoint, size_t call)>;

// injected: requests per second (or per organic request) arriving at each
// endpoint from outside; returns what arrives at each, every path summed.
std::vector<double> propagate(const CallGraph& g, const std::vector<double>& injected, const Multiplier& m);

// The single path that brings the most requests to each endpoint (its
// product of probability x multiplier), from the injected endpoints.
struct Path {
  double product = 0;
  std::vector<size_t> endpoints;  // from the injected one to this one
};
std::vector<Path> heaviest_paths(const CallGraph& g, const std::vector<double>& injected, const Multiplier& m);

}  // namespace faultline::lint
