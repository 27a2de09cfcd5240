// SPDX-License-Identifier: Apache-2.0
// Metastability (HotOS'25, "a queue that holds more work than its callers
// wait"): when a full queue takes longer to drain than the caller waits and
// abandoned requests are not dropped, a full queue serves only requests whose
// callers have given up; their retries keep it full after the trigger is
// gone. Above the load at which the capped worst-case attempts fill the
// service (capacity / amplification) nothing drains it.
//
// The queue drains at the service's capacity: workers / hold time, or its
// CPU's rate (cores / work) when its workers share a CPU limit that serves
// fewer (4 workers of 2 ms on half a core drain 250 req/s, not 2000). The
// caller's patience is the deadline the request carries: a call's timeout,
// capped by the deadline its caller's own request carries (deadline
// propagation), so a db deep in a chain is judged by the client's deadline,
// not by its direct caller's longer timeout. A LIFO queue serves the newest
// first: requests whose callers still wait are served before the stale ones,
// so the loop does not hold the same way; it is said, as a warning.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "orchestrator/lint/checks.hpp"
#include "orchestrator/lint/format.hpp"
#include "orchestrator/model/series_names.hpp"

namespace faultline::lint {

namespace {

double s_of(int64_t ns) { return static_cast<double>(ns) / 1e9; }

constexpr double kInf = std::numeric_limits<double>::infinity();

// The shortest deadline a request reaching an endpoint carries, and whose.
struct Patience {
  double s = kInf;
  std::string origin;            // "load:client", "api's call": whose timeout
  std::vector<std::string> via;  // the calls that carried origin's deadline down
  // "load:client waits (timeout 500 ms, its deadline carried down by web's call, then api's call)"
  std::string waits() const {
    std::string w = origin + " waits (timeout " + fmt_s(s);
    for (size_t i = 0; i < via.size(); ++i) w += (i ? ", then " : ", its deadline carried down by ") + via[i];
    return w + ")";
  }
};

// Per endpoint: a load's timeout for its targets; along each call, the
// call's timeout capped by the deadline of the request that makes it. The
// time spent upstream is not subtracted: the figure is an upper bound, so
// the condition is never overstated. Relaxed until nothing shortens (once
// per tier on an acyclic graph).
std::vector<Patience> patience_of(const CallGraph& g) {
  const auto& eps = g.endpoints();
  std::vector<Patience> p(eps.size());
  for (const auto& l : g.loads())
    for (const auto& [e, share] : l.targets)
      if (s_of(l.node->load->timeout_ns) < p[e].s) p[e] = {s_of(l.node->load->timeout_ns), model::series::load_name(l.node->name), {}};
  for (size_t round = 0; round <= eps.size(); ++round) {
    bool changed = false;
    for (size_t e = 0; e < eps.size(); ++e)
      for (const auto& c : eps[e].calls) {
        const std::string call = g.name(eps[e].service) + "'s call";
        Patience via{s_of(c.call->timeout_ns), call, {}};
        if (p[e].s < via.s) {
          via = p[e];
          via.via.push_back(call);
        }
        if (via.s < p[c.callee].s) p[c.callee] = std::move(via), changed = true;
      }
    if (!changed) break;
  }
  return p;
}

}  // namespace

void check_metastability(const CheckInput& in, std::vector<Finding>& out) {
  const auto& g = in.graph;
  const auto patience = patience_of(g);
  for (size_t i = 0; i < g.services().size(); ++i) {
    const auto& cfg = g.service(i);
    const auto& s = in.pred.services[i];
    if (cfg.drop_abandoned || !(s.hold_s > 0) || !(s.capacity_rps > 0) || !std::isfinite(s.capacity_rps)) continue;
    // The most impatient caller of any of its endpoints.
    Patience caller;
    for (size_t e : g.services()[i].endpoints)
      if (patience[e].s < caller.s) caller = patience[e];
    if (caller.origin.empty()) continue;
    const double timeout = caller.s;
    const double drain = s.capacity_rps;
    const double held = cfg.queue / drain;
    const double bound = cfg.max_queue_delay_ns > 0 ? std::min(held, s_of(cfg.max_queue_delay_ns)) : held;
    if (bound <= timeout) continue;
    const double safe_queue = std::floor(timeout * drain * (1 + 1e-12));

    // The load that tips it soonest.
    const LoadPrediction* tipping = nullptr;
    double vulnerable = 0;
    for (const auto& l : in.pred.loads)
      if (auto v = l.vulnerable_at(in.pred, i); v && (!tipping || *v < vulnerable)) tipping = &l, vulnerable = *v;

    const std::string workers = std::to_string(cfg.workers) + " worker" + (cfg.workers == 1 ? "" : "s");
    const std::string rate =
        s.cpu_bound ? " / " + fmt_rps(drain) + " (what its node's " + fmt_num(s.cpu_cores) + " core" +
                          (s.cpu_cores == 1 ? "" : "s") + " serve at " + fmt_s(s.work_s) + " of work each: its " +
                          workers + " share them)"
                    : " x " + fmt_s(s.hold_s) + " / " + workers;
    std::string msg = s.name + "'s queue holds up to " + std::to_string(cfg.queue) + " requests" + rate + " = " +
                      fmt_s(held) + " of work" +
                      (bound < held ? " (" + fmt_s(bound) + " with its max_queue_delay)" : "") + ", longer than " +
                      caller.waits() + ", and drop_abandoned = false: ";
    msg += cfg.lifo ? "a full queue holds requests whose callers have given up, but its LIFO discipline serves the "
                      "newest first, so requests whose callers still wait are served before them and the HotOS'25 "
                      "loop (a queue serving only abandoned work, kept full by their retries) does not hold the same "
                      "way; the stale ones stay at the bottom, taking queue slots, until the load dips"
                    : "once the queue fills, " + s.name +
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
        // LIFO keeps serving live requests while it cannot drain: a risk, not collapse as configured.
        if (!cfg.lifo) sev = Severity::kCritical;
        msg += tipping->rate_rps >= vulnerable
                   ? ", and the load's baseline rate (" + fmt_rps(tipping->rate_rps) + ") is already above it"
                   : ", and the load reaches " + fmt_rps(tipping->peak_rps);
      }
      figures.push_back({"vulnerable_above_rps", vulnerable});
      figures.push_back({"attempts", attempts});
      figures.push_back({"peak_rps", tipping->peak_rps});
    }
    const std::string per = s.cpu_bound ? "timeout x " + fmt_rps(drain) : "timeout x workers / " + fmt_s(s.hold_s);
    out.push_back({cfg.loc, "metastability", sev, msg,
                   "queue <= " + fmt_num(safe_queue) + " (" + per + "), or max_queue_delay <= " + fmt_s(timeout) +
                       ", or drop_abandoned = true",
                   {s.name}, figures});
  }
}

}  // namespace faultline::lint
