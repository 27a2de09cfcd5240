// SPDX-License-Identifier: Apache-2.0
// Retry amplification: when a service fails every attempt, each tier that
// retries multiplies the attempts of the tiers above (the SRE book's advice:
// retry at one tier only). Budgets and throttles cap each hop; [expect]'s
// bound on cumulative amplification is checked against the capped worst case.
#include <algorithm>
#include <map>

#include "orchestrator/lint/checks.hpp"
#include "orchestrator/lint/format.hpp"
#include "orchestrator/lint/retrying.hpp"

namespace faultline::lint {

namespace {

struct Hop {
  const model::Call* call = nullptr;  // null: the load generator's own attempts
  Retrying retrying;
  double probability = 1;
  SourceLoc loc;
};

// The hops of a service's heaviest path: the load, then each call.
std::vector<Hop> hops_of(const CallGraph& g, const ServicePrediction& s) {
  std::vector<Hop> hops;
  const auto& load = *g.loads()[s.worst_load].node->load;
  hops.push_back({nullptr, retrying_of(load), 1, load.loc});
  for (size_t i = 1; i < s.worst_endpoints.size(); ++i) {
    const auto& from = g.endpoints()[s.worst_endpoints[i - 1]];
    const CallRef* best = nullptr;  // of several calls to the same endpoint, the heaviest
    for (const auto& c : from.calls)
      if (c.callee == s.worst_endpoints[i] &&
          (!best || (c.call->retries + 1.0) * c.call->probability_ppm > (best->call->retries + 1.0) * best->call->probability_ppm))
        best = &c;
    if (best) hops.push_back({best->call, retrying_of(*best->call), best->call->probability_ppm / 1e6, best->call->loc});
  }
  return hops;
}

bool capped(const Retrying& r) { return r.budget_ppm > 0 || r.throttle.max_tokens > 0; }

}  // namespace

void check_amplification(const CheckInput& in, std::vector<Finding>& out) {
  const auto& g = in.graph;
  // One finding per innermost retrying call: the service it amplifies most.
  std::map<const model::Call*, size_t> worst_by_call;
  std::map<const model::Call*, std::vector<Hop>> hops_by_call;
  for (size_t i = 0; i < in.pred.services.size(); ++i) {
    const auto& s = in.pred.services[i];
    if (s.worst_endpoints.empty() || !(s.worst_attempts > 1)) continue;
    auto hops = hops_of(g, s);
    size_t retrying = 0, uncapped = 0;
    const model::Call* innermost = nullptr;
    for (const auto& h : hops)
      if (h.retrying.retries > 0) {
        ++retrying;
        uncapped += capped(h.retrying) ? 0 : 1;
        innermost = h.call;
      }
    if (retrying < 2 || uncapped == 0 || !innermost) continue;
    auto it = worst_by_call.find(innermost);
    if (it == worst_by_call.end() || in.pred.services[it->second].worst_attempts < s.worst_attempts) {
      worst_by_call[innermost] = i;
      hops_by_call[innermost] = std::move(hops);
    }
  }
  // A chain's finding covers its prefixes: t1 -> t2 is said by t1 -> t2 -> t3.
  auto covered = [&](size_t i) {
    const auto& mine = in.pred.services[i].worst_endpoints;
    for (const auto& [other_call, j] : worst_by_call) {
      const auto& longer = in.pred.services[j].worst_endpoints;
      if (j != i && longer.size() > mine.size() && std::equal(mine.begin(), mine.end(), longer.begin())) return true;
    }
    return false;
  };
  for (const auto& [call, i] : worst_by_call) {
    if (covered(i)) continue;
    const auto& s = in.pred.services[i];
    const auto& hops = hops_by_call[call];
    std::string path, product;
    size_t tiers = 0;
    for (const auto& name : s.worst_path) path += (path.empty() ? "" : " -> ") + name;
    // The attempts at each tier along the chain (the prediction's per service).
    std::string along;
    for (size_t k = 1; k < s.worst_path.size(); ++k)
      if (const auto* t = in.pred.find(s.worst_path[k]))
        along += (along.empty() ? "" : ", ") + t->name + " " + fmt_num(t->worst_attempts);
    for (const auto& h : hops) {
      tiers += h.retrying.retries > 0 ? 1 : 0;
      product += (product.empty() ? "" : " x ") + std::to_string(h.retrying.attempts()) +
                 (h.probability < 1 ? " x " + fmt_pct(h.probability) : "");
    }
    const std::string cap = s.capped_attempts < s.worst_attempts
                                ? "budgets and throttles cap it at " + fmt_num(s.capped_attempts)
                                : "no budget or throttle caps it";
    out.push_back({call->loc, "amplification", Severity::kWarning,
                   "retries at " + std::to_string(tiers) + " tiers multiply: when " + s.name +
                       " fails, each organic request of " + s.worst_path.front() + " can bring " +
                       fmt_num(s.worst_attempts) + " attempts to it (" + path + ": " + product + "; per tier: " + along + "); " + cap,
                   "retry at one tier only (retries = 0 on the others), or a retry budget on the inner calls "
                   "(budget = \"20%\" allows about 1.2 attempts per call)",
                   {s.name},
                   {{"worst_attempts", s.worst_attempts}, {"capped_attempts", s.capped_attempts},
                    {"tiers", static_cast<double>(tiers)}}});
  }

  if (const auto bound = in.topo.expect.max_cumulative_amplification) {
    const ServicePrediction* worst = nullptr;
    for (const auto& s : in.pred.services)
      if (!worst || s.capped_attempts > worst->capped_attempts) worst = &s;
    if (worst && worst->capped_attempts > *bound)
      out.push_back({in.topo.expect.loc, "amplification", Severity::kWarning,
                     "max_cumulative_amplification = " + fmt_num(*bound) + ", but when " + worst->name +
                         " fails each organic request can bring " + fmt_num(worst->capped_attempts) +
                         " attempts to it (within budgets and throttles): a fault that fails it fails the expectation",
                     "fewer retries along " + worst->name + "'s callers, a retry budget, or a bound >= " +
                         fmt_num(worst->capped_attempts),
                     {worst->name},
                     {{"bound", *bound}, {"capped_attempts", worst->capped_attempts}}});
  }
}

}  // namespace faultline::lint
