#include "orchestrator/experiment/cpu_estimate.hpp"

#include <cstdio>
#include <functional>
#include <map>

namespace faultline::experiment {

CpuEstimate estimate_cpu(const model::Topology& topo, bool engine) {
  // Request rate arriving at each (node, port), following calls from the loads.
  std::map<std::pair<std::string, uint16_t>, double> arrivals;
  std::function<void(const std::string&, uint16_t, const std::string&, double, int)> flow =
      [&](const std::string& node, uint16_t port, const std::string& path, double rate, int depth) {
        if (depth > 32 || rate <= 0) return;  // the loader refuses certain cycles; probabilistic ones fade
        arrivals[{node, port}] += rate;
        const auto* n = topo.find_node(node);
        if (!n) return;
        for (const auto& s : n->services) {
          if (s.port != port) continue;
          for (const auto& ep : s.endpoints) {
            if (ep.path != path && s.endpoints.size() > 1) continue;
            for (const auto& c : ep.calls) flow(c.to_node, c.to_port, c.path, rate * c.probability_ppm / 1e6, depth + 1);
          }
        }
      };
  CpuEstimate est;
  double hops_rate = 0;
  for (const auto& n : topo.nodes) {
    if (!n.load) continue;
    double weight = 0;
    for (const auto& k : n.load->mix) weight += k.weight;
    double peak = n.load->rate;
    for (const auto& s : n.load->schedule) peak = std::max(peak, s.rate);
    // A load fault's rate is part of the plan too.
    for (const auto& f : topo.faults)
      if (f.target.kind == model::FaultTarget::Kind::kLoad && f.target.name == n.name && f.rate)
        peak = std::max(peak, *f.rate);
    for (const auto& k : n.load->mix)
      flow(n.load->target_node, n.load->target_port, k.path, peak * (weight > 0 ? k.weight / weight : 1), 0);
    const double c = peak * kClientOverheadS;
    est.cores += c;
    char b[160];
    std::snprintf(b, sizeof b, "load on %s: %.2f cores (%.0f req/s)", n.name.c_str(), c, peak);
    est.breakdown.push_back(b);
  }
  for (const auto& n : topo.nodes) {
    // What the node's services and CPU hogs want together; its cgroup caps the sum.
    double node_cores = 0;
    const size_t first_line = est.breakdown.size();
    for (const auto& s : n.services) {
      auto it = arrivals.find({n.name, s.port});
      if (it == arrivals.end()) continue;
      double work = 0;
      for (const auto& ep : s.endpoints) work += ep.work.mean_ns / 1e9;
      work /= static_cast<double>(std::max<size_t>(1, s.endpoints.size()));
      const double c = it->second * (work + kServeOverheadS);
      node_cores += c;
      hops_rate += it->second;
      char b[200];
      std::snprintf(b, sizeof b, "%s: %.2f cores (%.0f req/s x %.3g ms)", s.name.c_str(), c, it->second,
                    (work + kServeOverheadS) * 1e3);
      est.breakdown.push_back(b);
    }
    // One hog at a time per node (the loader refuses overlapping ones): the largest.
    uint32_t hog = 0;
    for (const auto& f : topo.faults)
      if (f.target.kind == model::FaultTarget::Kind::kNode && f.target.name == n.name &&
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
  return est;
}

}  // namespace faultline::experiment
