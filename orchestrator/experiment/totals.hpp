// SPDX-License-Identifier: Apache-2.0
// Figures derived from one tick's raw measurements: a service's attempts and
// calls (the sum of its call edges), and the whole system's value of every
// series a check may name (model::check_series): what the clients see from
// the load generators (offered, goodput, attempts, errors summed; p50 and
// p99 the worst client's) and the services' and nodes' figures summed. A sum
// is over the parts measured in the tick: a service that did not answer
// (paused, starved) is missing from it, as from its own series.
// Pure: the collector records what it returns; tests feed it a store.
#pragma once

#include <string>
#include <vector>

#include "orchestrator/experiment/series_store.hpp"

namespace faultline::experiment {

struct Figure {
  SeriesKey key;
  double value = 0;
};

struct TotalsInput {
  struct Service {
    std::string node, name;
  };
  std::vector<Service> services;
  std::vector<Service> loads;       // name: "load:<node>"
  std::vector<std::string> nodes;
  // Call edges: caller (a service or "load:<node>") and its edge series name
  // ("caller->callee"), recorded under the caller's node.
  struct CallEdge {
    std::string caller, node, series;
  };
  std::vector<CallEdge> edges;
};

// Nothing for a total none of whose parts was measured in this tick.
std::vector<Figure> derive_totals(const SeriesStore& store, size_t tick, const TotalsInput& in);

}  // namespace faultline::experiment
