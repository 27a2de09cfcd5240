// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/lint/cpu_estimate.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "orchestrator/lint/call_graph.hpp"
#include "orchestrator/lint/flow.hpp"
#include "orchestrator/lint/predict.hpp"

namespace faultline::lint {

CpuEstimate estimate_cpu(const model::Topology& topo, bool engine) {
  const CallGraph g(topo);
  const auto& eps = g.endpoints();
  CpuEstimate est;
  // Requests at each endpoint with every load at its peak.
  std::vector<double> in(eps.size(), 0.0);
  std::map<const model::Node*, double> per_load;
  for (const auto& l : g.loads()) {
    const double peak = peak_rate(topo, *l.node);
    for (const auto& [e, share] : l.targets) in[e] += peak * share;
    const double c = peak * kClientOverheadS;
    est.cores += c;
    per_load[l.node] = c;
    char b[160];
    std::snprintf(b, sizeof b, "load on %s: %.2f cores (%.0f req/s)", l.node->name.c_str(), c, peak);
    est.breakdown.push_back(b);
  }
  const auto rates = propagate(g, in, [](size_t, size_t) { return 1.0; });
  double hops_rate = 0;
  for (const auto& n : topo.nodes) {
    // What the node's services and CPU hogs want together; its cgroup caps the sum.
    double node_cores = 0;
    const size_t first_line = est.breakdown.size();
    for (const auto& s : g.services()) {
      if (s.node != &n) continue;
      double rate = 0, work = 0;
      for (size_t e : s.endpoints) {
        rate += rates[e];
        work += rates[e] * eps[e].endpoint->work.mean_ns / 1e9;
      }
      if (!(rate > 0)) continue;
      const double per_request = work / rate + kServeOverheadS;
      const double c = rate * per_request;
      node_cores += c;
      hops_rate += rate;
      char b[200];
      std::snprintf(b, sizeof b, "%s: %.2f cores (%.0f req/s x %.3g ms)", s.service->name.c_str(), c, rate,
                    per_request * 1e3);
      est.breakdown.push_back(b);
    }
    // One hog at a time per node (the loader refuses overlapping ones): the largest.
    uint32_t hog = 0;
    for (const auto& f : topo.faults)
      if (f.target.kind == model::FaultTarget::Kind::kNode && f.target.node == n.name &&
          f.action == model::Fault::Action::kCpuHog)
        hog = std::max(hog, f.hog_millicores);
    if (hog > 0) {
      node_cores += hog / 1000.0;
      char b[120];
      std::snprintf(b, sizeof b, "cpu hog in %s (a fault): %.2f cores", n.name.c_str(), hog / 1000.0);
      est.breakdown.push_back(b);
    }
    if (n.cpu_millicores && node_cores > n.cpu_millicores / 1000.0) {
      node_cores = n.cpu_millicores / 1000.0;
      if (est.breakdown.size() > first_line) est.breakdown.back() += "; node " + n.name + " capped at its cpu limit";
    }
    est.cores += node_cores;
  }
  if (engine && hops_rate > 0) {
    const double c = hops_rate * 8 * kEnginePacketS;
    est.cores += c;
    char b[120];
    std::snprintf(b, sizeof b, "link engine: %.2f cores", c);
    est.breakdown.push_back(b);
  }
  double heaviest = -1;
  for (const auto& [node, c] : per_load)
    if (c > heaviest) heaviest = c, est.heaviest_load = node;
  return est;
}

std::string breakdown_line(const CpuEstimate& e) {
  std::string out;
  for (const auto& b : e.breakdown) out += (out.empty() ? "" : "; ") + b;
  return out;
}

}  // namespace faultline::lint
