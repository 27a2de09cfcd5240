// SPDX-License-Identifier: Apache-2.0
// Metastability (HotOS'25, "a queue that holds more work than its callers
// wait"): when queue x mean service time / workers exceeds the caller's
// timeout and abandoned requests are not dropped, a full queue serves only
// requests whose callers have given up; their retries keep it full after the
// trigger is gone. Above the load at which the capped worst-case attempts
// fill the service (capacity / amplification) nothing drains it.
#include <cmath>
#include <limits>

#include "orchestrator/lint/checks.hpp"
#include "orchestrator/lint/format.hpp"

namespace faultline::lint {

namespace {

double s_of(int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

void check_metastability(const CheckInput& in, std::vector<Finding>& out) {
  const auto& g = in.graph;
  for (size_t i = 0; i < g.services().size(); ++i) {
    const auto& cfg = g.service(i);
    const auto& s = in.pred.services[i];
    if (cfg.drop_abandoned || !(s.hold_s > 0)) continue;
    // The most impatient caller of any of its endpoints.
    std::string caller;
    double timeout = std::numeric_limits<double>::infinity();
    auto consider = [&](const std::string& who, int64_t ns) {
      if (s_of(ns) < timeout) timeout = s_of(ns), caller = who;
    };
    for (const auto& l : g.loads())
      for (const auto& [e, share] : l.targets)
        if (g.endpoints()[e].service == i) consider("load:" + l.node->name, l.node->load->timeout_ns);
    for (const auto& ep : g.endpoints())
      for (const auto& c : ep.calls)
        if (g.endpoints()[c.callee].service == i) consider(g.name(ep.service) + "'s call", c.call->timeout_ns);
    if (caller.empty()) continue;
    const double held = cfg.queue * s.hold_s / cfg.workers;
    const double bound = cfg.max_queue_delay_ns > 0 ? std::min(held, s_of(cfg.max_queue_delay_ns)) : held;
    if (bound <= timeout) continue;
    const double safe_queue = std::floor(timeout * cfg.workers / s.hold_s);

    // The load that tips it soonest.
    const LoadPrediction* tipping = nullptr;
    double vulnerable = 0;
    for (const auto& l : in.pred.loads)
      if (auto v = l.vulnerable_at(in.pred, i); v && (!tipping || *v < vulnerable)) tipping = &l, vulnerable = *v;

    std::string msg = s.name + "'s queue holds up to " + std::to_string(cfg.queue) + " requests x " + fmt_s(s.hold_s) +
                      " / " + std::to_string(cfg.workers) + " worker" + (cfg.workers == 1 ? "" : "s") + " = " +
                      fmt_s(held) + " of work" +
                      (bound < held ? " (" + fmt_s(bound) + " with its max_queue_delay)" : "") + ", longer than " +
                      caller + " waits (timeout " + fmt_s(timeout) +
                      "), and drop_abandoned = false: once the queue fills, " + s.name +
                      " serves requests whose callers have given up while their retries keep it full";
    std::vector<std::pair<std::string, double>> figures = {{"queue_wait_s", bound},
                                                           {"caller_timeout_s", timeout},
                                                           {"safe_queue", safe_queue},
                                                           {"capacity_rps", s.capacity_rps}};
    Severity sev = Severity::kWarning;
    if (tipping) {
      const double attempts = tipping->capped_attempts[i];
      msg += "; with every attempt failing each organic request of load:" + tipping->node + " brings " +
             fmt_num(attempts) + " attempt" + (attempts == 1 ? "" : "s") + " to it, so above " + fmt_rps(vulnerable) +
             " (capacity " + fmt_rps(s.capacity_rps) + " / " + fmt_num(attempts) +
             ") it cannot drain: vulnerable above " + fmt_rps(vulnerable);
      if (tipping->peak_rps >= vulnerable) {
        sev = Severity::kCritical;
        msg += tipping->rate_rps >= vulnerable
                   ? ", and the load's baseline rate (" + fmt_rps(tipping->rate_rps) + ") is already above it"
                   : ", and the load reaches " + fmt_rps(tipping->peak_rps);
      }
      figures.push_back({"vulnerable_above_rps", vulnerable});
      figures.push_back({"attempts", attempts});
      figures.push_back({"peak_rps", tipping->peak_rps});
    }
    out.push_back({cfg.loc, "metastability", sev, msg,
                   "queue <= " + fmt_num(safe_queue) + " (timeout x workers / " + fmt_s(s.hold_s) +
                       "), or max_queue_delay <= " + fmt_s(timeout) + ", or drop_abandoned = true",
                   {s.name}, figures});
  }
}

}  // namespace faultline::lint
