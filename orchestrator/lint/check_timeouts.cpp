// SPDX-License-Identifier: Apache-2.0
// Timeout budgets: a call's worst case (every attempt to its timeout, every
// backoff at its longest) against the time its service's caller still waits.
// Deadline propagation cuts the call off when the caller gives up, so the
// caller never waits longer; but the attempts that could not have finished
// were sent for nothing, and the callee serves them all the same.
#include <algorithm>
#include <limits>

#include "orchestrator/lint/checks.hpp"
#include "orchestrator/lint/format.hpp"
#include "orchestrator/lint/retrying.hpp"
#include "orchestrator/model/series_names.hpp"

namespace faultline::lint {

namespace {

struct Caller {
  std::string name;   // "load:client", or the calling service
  std::string node;
  int64_t timeout_ns = 0;
};

// Who sends requests to each endpoint, with the timeout of each attempt.
std::vector<std::vector<Caller>> callers_of(const CallGraph& g) {
  std::vector<std::vector<Caller>> in(g.endpoints().size());
  for (const auto& l : g.loads())
    for (const auto& [e, share] : l.targets) in[e].push_back({model::series::load_name(l.node->name), l.node->name, l.node->load->timeout_ns});
  for (const auto& ep : g.endpoints())
    for (const auto& c : ep.calls)
      in[c.callee].push_back({g.name(ep.service), g.services()[ep.service].node->name, c.call->timeout_ns});
  return in;
}

double s_of(int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

void check_timeout_budgets(const CheckInput& in, std::vector<Finding>& out) {
  const auto& g = in.graph;
  const auto callers = callers_of(g);
  for (size_t e = 0; e < g.endpoints().size(); ++e) {
    const auto& ep = g.endpoints()[e];
    const auto& svc = g.services()[ep.service];
    const double own = s_of(ep.endpoint->work.mean_ns) + s_of(ep.endpoint->wait.mean_ns);
    double before = 0;  // the mean time of the calls made before this one
    for (size_t c = 0; c < ep.calls.size(); ++c) {
      const auto& call = *ep.calls[c].call;
      const double this_call = call.probability_ppm / 1e6 * in.pred.call_s[e][c];
      const double spent = own + (ep.endpoint->parallel_calls ? 0 : before);
      before += this_call;
      const Retrying r = retrying_of(call);
      if (r.retries == 0) continue;
      // The caller that leaves this call the least time.
      const Caller* tightest = nullptr;
      double budget = std::numeric_limits<double>::infinity();
      for (const auto& k : callers[e]) {
        const double b = s_of(k.timeout_ns) - s_of(in.net.round_trip_ns(k.node, svc.node->name)) - spent;
        if (b < budget) budget = b, tightest = &k;
      }
      const double worst = s_of(worst_case_ns(r));
      if (!tightest || worst <= budget) continue;
      const uint32_t fit = attempts_within(r, static_cast<int64_t>(std::max(0.0, budget) * 1e9));
      double backoffs = 0;
      for (uint32_t n = 1; n <= r.retries; ++n) backoffs += s_of(max_backoff_ns(r.backoff, n));
      const std::string callee = g.name(g.endpoints()[ep.calls[c].callee].service);
      const std::string who = svc.service->name + "'s call to " + callee + " (" + call.to_node + ":" +
                              std::to_string(call.to_port) + call.path + ")";
      std::string lost = fit == 0 ? "not even its first attempt's timeout fits, so every retry is sent for nothing"
                         : fit + 1 == r.attempts()
                             ? "its last attempt can never finish in time"
                             : "attempts " + std::to_string(fit + 1) + " to " + std::to_string(r.attempts()) +
                                   " can never finish in time";
      std::string fix;
      const double timeout_fit = (budget - backoffs) / r.attempts();
      if (timeout_fit > 0) fix = "timeout <= " + fmt_s(timeout_fit) + " (all " + std::to_string(r.attempts()) + " attempts fit)";
      if (fit >= 1) fix += std::string(fix.empty() ? "" : ", or ") + "retries <= " + std::to_string(fit - 1);
      fix += std::string(fix.empty() ? "" : ", or ") + tightest->name + "'s timeout >= " + fmt_s(worst + (s_of(tightest->timeout_ns) - budget));
      out.push_back({call.loc, "timeout-budget", Severity::kCritical,
                     who + " takes up to " + fmt_s(worst) + " when " + callee + " fails (" +
                         std::to_string(r.attempts()) + " attempts x " + fmt_s(s_of(r.timeout_ns)) + " timeout + " +
                         fmt_s(backoffs) + " of backoff at most), but " + tightest->name + " gives up on " +
                         svc.service->name + " after " + fmt_s(s_of(tightest->timeout_ns)) + " (" +
                         (budget > 0 ? fmt_s(budget) + " left for this call"
                                     : "nothing left for this call: the round trip and the work before it take " +
                                           fmt_s(s_of(tightest->timeout_ns) - budget)) +
                         "): " + lost + "; deadline propagation cuts them short while " + callee +
                         " still serves them",
                     fix, {svc.service->name, callee},
                     {{"worst_case_s", worst},
                      {"caller_timeout_s", s_of(tightest->timeout_ns)},
                      {"budget_s", budget},
                      {"attempts", static_cast<double>(r.attempts())},
                      {"attempts_in_time", static_cast<double>(fit)}}});
    }
  }
}

}  // namespace faultline::lint
