// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/lint/predict.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "orchestrator/lint/flow.hpp"
#include "orchestrator/lint/queueing.hpp"
#include "orchestrator/lint/retrying.hpp"
#include "orchestrator/model/series_names.hpp"
#include "workloads/spec/rate_schedule.hpp"

namespace faultline::lint {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }
double prob(uint32_t ppm) { return ppm / 1e6; }

// The probability that every attempt of a call fails when each fails with
// probability f: retries + 1 attempts, or one once a throttle has run dry.
double all_attempts_fail(const Retrying& r, double f) {
  const bool throttled = r.throttle.max_tokens > 0 && f > r.throttle.token_ratio / (1 + r.throttle.token_ratio);
  return std::pow(f, throttled ? 1.0 : static_cast<double>(r.attempts()));
}

// Probability that a request to each endpoint fails: its injected errors,
// or a call without a fallback that fails every attempt. A cycle counts as
// not failing where it closes.
std::vector<double> failure_probabilities(const CallGraph& g) {
  const auto& eps = g.endpoints();
  std::vector<double> f(eps.size(), -1);
  std::vector<bool> busy(eps.size(), false);
  std::function<double(size_t)> fail = [&](size_t e) -> double {
    if (f[e] >= 0) return f[e];
    if (busy[e]) return 0;
    busy[e] = true;
    double ok = 1 - prob(eps[e].endpoint->error_ppm);
    for (const auto& c : eps[e].calls)
      if (!c.call->fallback)
        ok *= 1 - prob(c.call->probability_ppm) * all_attempts_fail(retrying_of(*c.call), fail(c.callee));
    busy[e] = false;
    return f[e] = 1 - ok;
  };
  for (size_t e = 0; e < eps.size(); ++e) fail(e);
  return f;
}

// Requests per second injected at each endpoint by the loads at `rates`,
// each organic request times `per_request` (its attempts).
std::vector<double> injected(const CallGraph& g, const std::vector<double>& rates,
                             const std::function<double(size_t load)>& per_request) {
  std::vector<double> in(g.endpoints().size(), 0.0);
  for (size_t l = 0; l < g.loads().size(); ++l)
    for (const auto& [e, share] : g.loads()[l].targets) in[e] += rates[l] * share * per_request(l);
  return in;
}

// The mean of per-endpoint values weighted by their rates (plain mean when idle).
double weighted(const ServiceRef& s, const std::vector<double>& rate, const std::function<double(size_t)>& value) {
  double sum = 0, w = 0, plain = 0;
  for (size_t e : s.endpoints) {
    sum += rate[e] * value(e);
    w += rate[e];
    plain += value(e);
  }
  return w > 0 ? sum / w : plain / static_cast<double>(std::max<size_t>(1, s.endpoints.size()));
}

}  // namespace

double baseline_rate(const model::Topology& topo, const model::Load& l) {
  const spec::RateSchedule s(l.rate, l.schedule);
  return s.rate_at(topo.experiment.warmup_ns + topo.experiment.baseline_ns / 2);
}

double peak_rate(const model::Topology& topo, const model::Node& n) {
  if (!n.load) return 0;
  const spec::RateSchedule s(n.load->rate, n.load->schedule);
  const int64_t end = topo.experiment.duration_ns;
  double peak = 0;
  for (const auto& p : s.pieces()) {
    if (p.from >= end) break;
    const int64_t until = std::min(p.until, end);
    peak = std::max({peak, p.rate, p.rate + p.slope * static_cast<double>(until - p.from)});
  }
  for (const auto& f : topo.faults)
    if (f.target.kind == model::FaultTarget::Kind::kLoad && f.target.node == n.name && f.rate)
      peak = std::max(peak, *f.rate);
  return peak;
}

std::optional<double> LoadPrediction::vulnerable_at(const Predictions& p, size_t s) const {
  const double mine = capped_attempts[s], cap = p.services[s].capacity_rps;
  if (!(mine > 0) || !std::isfinite(cap)) return std::nullopt;
  double others = 0;
  for (const auto& l : p.loads)
    if (&l != this) others += l.rate_rps * l.capped_attempts[s];
  return std::max(0.0, cap - others) / mine;
}

const ServicePrediction* Predictions::find(const std::string& service) const {
  for (const auto& s : services)
    if (s.name == service) return &s;
  return nullptr;
}

Predictions predict(const model::Topology& topo, const CallGraph& g, const Network& net, const PredictOptions& o) {
  const auto& eps = g.endpoints();
  const auto& svcs = g.services();
  Predictions p;
  p.endpoint_fail = failure_probabilities(g);

  // 1. Rates. The loads at their baseline rates; each call's expected
  // attempts depend on its own rate only through a budget's floor, so a
  // first pass without budgets gives the call rates the second one caps by.
  std::vector<double> rates;
  for (const auto& l : g.loads()) rates.push_back(baseline_rate(topo, *l.node->load));
  auto load_attempts = [&](size_t l, double rate) {
    double f = 0, share_sum = 0;
    for (const auto& [e, share] : g.loads()[l].targets) {
      f += share * p.endpoint_fail[e];
      share_sum += share;
    }
    return expected_attempts(retrying_of(*g.loads()[l].node->load), share_sum > 0 ? f / share_sum : 0, rate);
  };
  auto call_attempts = [&](const CallRef& c, double calls_per_s) {
    return expected_attempts(retrying_of(*c.call), p.endpoint_fail[c.callee], calls_per_s);
  };
  const auto first = propagate(g, injected(g, rates, [&](size_t l) { return load_attempts(l, 0); }),
                               [&](size_t e, size_t c) { return call_attempts(eps[e].calls[c], 0); });
  p.call_attempts.resize(eps.size());
  for (size_t e = 0; e < eps.size(); ++e)
    for (const auto& c : eps[e].calls)
      p.call_attempts[e].push_back(call_attempts(c, first[e] * prob(c.call->probability_ppm)));
  p.endpoint_rps = propagate(g, injected(g, rates, [&](size_t l) { return load_attempts(l, rates[l]); }),
                             [&](size_t e, size_t c) { return p.call_attempts[e][c]; });

  // 2. CPU per node: what its services' work asks for, against its limit.
  std::vector<double> service_rps(svcs.size()), work(svcs.size());
  std::map<const model::Node*, double> node_cpu;
  for (size_t s = 0; s < svcs.size(); ++s) {
    for (size_t e : svcs[s].endpoints) service_rps[s] += p.endpoint_rps[e];
    work[s] = weighted(svcs[s], p.endpoint_rps, [&](size_t e) { return seconds(eps[e].endpoint->work.mean_ns); });
    node_cpu[svcs[s].node] += service_rps[s] * work[s];
  }

  // 3. Latency, callees first: a request holds its worker for its work, its
  // wait and its calls (one after another, or the longest when parallel);
  // each attempt of a call costs the round trip and the callee's response,
  // at most the attempt's timeout.
  p.services.resize(svcs.size());
  p.endpoint_hold_s.assign(eps.size(), 0);
  p.endpoint_response_s.assign(eps.size(), 0);
  p.call_s.resize(eps.size());
  std::vector<int> state(svcs.size(), 0);  // 0 new, 1 in progress, 2 done
  std::function<void(size_t)> solve = [&](size_t s) {
    if (state[s] != 0) return;
    state[s] = 1;
    const auto& ref = svcs[s];
    for (size_t e : ref.endpoints) {
      const auto& ep = *eps[e].endpoint;
      double calls = 0;
      p.call_s[e].assign(eps[e].calls.size(), 0);
      for (size_t c = 0; c < eps[e].calls.size(); ++c) {
        const auto& call = eps[e].calls[c];
        const size_t callee = eps[call.callee].service;
        solve(callee);  // in progress: a cycle, whose callee counts as answering at once
        const Retrying r = retrying_of(*call.call);
        const double rtt = seconds(net.round_trip_ns(ref.node->name, svcs[callee].node->name));
        const double attempt = std::min(rtt + p.endpoint_response_s[call.callee], seconds(r.timeout_ns));
        double backoff = 0, reach = 1;
        for (uint32_t k = 1; k <= r.retries; ++k) {
          reach *= p.endpoint_fail[call.callee];
          backoff += reach * mean_backoff_ns(r.backoff, k) / 1e9;
        }
        p.call_s[e][c] = p.call_attempts[e][c] * attempt + backoff;
        const double share = prob(call.call->probability_ppm) * p.call_s[e][c];
        calls = ep.parallel_calls ? std::max(calls, share) : calls + share;
      }
      p.endpoint_hold_s[e] = seconds(ep.work.mean_ns) + seconds(ep.wait.mean_ns) + calls;
    }
    auto& sp = p.services[s];
    sp.name = ref.service->name;
    sp.node = ref.node->name;
    sp.loc = ref.service->loc;
    sp.workers = ref.service->workers;
    sp.offered_rps = service_rps[s];
    sp.work_s = work[s];
    sp.hold_s = weighted(ref, p.endpoint_rps, [&](size_t e) { return p.endpoint_hold_s[e]; });
    sp.cpu_cores = ref.node->cpu_millicores ? ref.node->cpu_millicores / 1000.0 : static_cast<double>(o.host_cpus);
    const double by_workers = sp.hold_s > 0 ? sp.workers / sp.hold_s : kInf;
    double by_cpu = kInf;
    if (sp.cpu_cores > 0 && sp.work_s > 0) {
      const double others = node_cpu[ref.node] - service_rps[s] * work[s];
      by_cpu = std::max(0.0, sp.cpu_cores - others) / sp.work_s;
    }
    sp.capacity_rps = std::min(by_workers, by_cpu);
    sp.cpu_bound = by_cpu < by_workers;
    sp.busy_workers = sp.offered_rps * sp.hold_s;
    sp.utilisation = std::isfinite(sp.capacity_rps) && sp.capacity_rps > 0 ? sp.offered_rps / sp.capacity_rps
                     : sp.capacity_rps > 0                                  ? 0
                                                                            : kInf;
    double queue_wait = 0;
    if (sp.hold_s > 0 && sp.utilisation < 1) {
      // Bound by its workers: M/M/workers, each serving in hold_s. Bound by
      // its CPU: the CPU is the server. Its cores (at least one, at most the
      // workers) serve at the capacity between them, and what a request
      // holds besides CPU (waits, calls) is added after it.
      uint32_t c = sp.workers;
      double mu = 1 / sp.hold_s, beside = 0;
      if (sp.cpu_bound) {
        c = static_cast<uint32_t>(std::clamp(std::floor(sp.cpu_cores), 1.0, static_cast<double>(sp.workers)));
        mu = sp.capacity_rps / c;
        beside = std::max(0.0, sp.hold_s - sp.work_s);
      }
      if (auto m = mmc(sp.offered_rps, mu, c)) {
        sp.servers = c;
        sp.wait_probability = m->wait_probability;
        sp.mean_s = m->mean_s + beside;
        sp.p50_s = m->p50_s + beside;
        sp.p99_s = m->p99_s + beside;
        queue_wait = m->mean_wait_s;
      }
    } else if (sp.hold_s == 0) {
      sp.wait_probability = 0;
      sp.mean_s = sp.p50_s = sp.p99_s = 0.0;
    }
    const bool overloaded = !sp.mean_s;
    for (size_t e : ref.endpoints) p.endpoint_response_s[e] = overloaded ? kInf : queue_wait + p.endpoint_hold_s[e];
    state[s] = 2;
  };
  for (size_t s = 0; s < svcs.size(); ++s) solve(s);

  // 4. The worst case: every attempt fails. Per load, the attempts each
  // organic request brings to every endpoint, along every path (their
  // product of attempts and probabilities, fan-outs summed), without and
  // with the caps of budgets and throttles.
  const size_t nl = g.loads().size();
  std::vector<std::vector<double>> capped_per_load(nl);
  for (size_t l = 0; l < nl; ++l) {
    const Retrying lr = retrying_of(*g.loads()[l].node->load);
    std::vector<double> one(nl, 0.0);
    one[l] = 1;
    auto worst_m = [&](size_t e, size_t c) { return static_cast<double>(eps[e].calls[c].call->retries + 1); };
    auto capped_m = [&](size_t e, size_t c) {
      const auto& call = eps[e].calls[c];
      return capped_attempts(retrying_of(*call.call), p.endpoint_rps[e] * prob(call.call->probability_ppm));
    };
    const auto in_worst = injected(g, one, [&](size_t) { return static_cast<double>(lr.attempts()); });
    const auto in_capped = injected(g, one, [&](size_t) { return capped_attempts(lr, rates[l]); });
    const auto worst = propagate(g, in_worst, worst_m);
    capped_per_load[l] = propagate(g, in_capped, capped_m);
    const auto paths = heaviest_paths(g, in_worst, worst_m);
    for (size_t s = 0; s < svcs.size(); ++s) {
      double w = 0, c = 0;
      size_t heaviest = svcs[s].endpoints.empty() ? 0 : svcs[s].endpoints.front();
      for (size_t e : svcs[s].endpoints) {
        w += worst[e];
        c += capped_per_load[l][e];
        if (paths[e].product > paths[heaviest].product) heaviest = e;
      }
      auto& sp = p.services[s];
      if (w <= sp.worst_attempts) continue;
      sp.worst_attempts = w;
      sp.capped_attempts = c;
      sp.worst_load = l;
      sp.worst_endpoints = paths[heaviest].endpoints;
      sp.worst_path = {model::series::load_name(g.loads()[l].node->name)};
      for (size_t e : paths[heaviest].endpoints) sp.worst_path.push_back(g.name(eps[e].service));
    }
  }

  // 5. The load at which the capped worst case fills a service.
  for (size_t l = 0; l < nl; ++l) {
    LoadPrediction lp;
    const auto& n = *g.loads()[l].node;
    lp.node = n.name;
    lp.loc = n.load->loc;
    lp.rate_rps = rates[l];
    lp.peak_rps = peak_rate(topo, n);
    for (const auto& s : svcs) {
      double a = 0;
      for (size_t e : s.endpoints) a += capped_per_load[l][e];
      lp.capped_attempts.push_back(a);
    }
    p.loads.push_back(std::move(lp));
  }
  for (auto& lp : p.loads)
    for (size_t s = 0; s < svcs.size(); ++s)
      if (auto v = lp.vulnerable_at(p, s); v && (!lp.vulnerable_above_rps || *v < *lp.vulnerable_above_rps)) {
        lp.vulnerable_above_rps = v;
        lp.bottleneck = p.services[s].name;
      }
  return p;
}

Predictions predict(const model::Topology& topo, const PredictOptions& o) {
  const CallGraph g(topo);
  const Network net(topo);
  return predict(topo, g, net, o);
}

}  // namespace faultline::lint
