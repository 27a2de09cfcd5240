// SPDX-License-Identifier: Apache-2.0
// The M/M/c queue (Erlang C): Poisson arrivals at rate lambda, c servers,
// exponential service at rate mu each, FIFO. The lint's latency prediction
// for a service: its workers are the servers, the time a request holds one
// (work + wait + calls) the service time.
#pragma once

#include <cstdint>
#include <optional>

namespace faultline::lint {

// The probability that an arrival waits for a server, for c servers offered
// a = lambda / mu erlangs (a < c): Erlang C, from Erlang B's recursion, which
// stays exact for thousands of servers where a^c / c! overflows.
double erlang_c(uint32_t c, double a);

struct MmcFigures {
  double wait_probability = 0;  // Erlang C
  double mean_wait_s = 0;       // in the queue: C / (c mu - lambda)
  double mean_s = 0;            // response: wait + 1 / mu
  double p50_s = 0;             // response time's median
  double p99_s = 0;             // response time's 99th percentile
};

// nullopt when the queue is unstable (lambda >= c mu) or a rate is not
// positive and finite.
std::optional<MmcFigures> mmc(double lambda, double mu, uint32_t c);

// P(response time > t) of the M/M/c queue: the wait is 0 with probability
// 1 - C, else exponential with rate c mu - lambda; the service exponential
// with rate mu. Requires a stable queue.
double mmc_response_tail(double lambda, double mu, uint32_t c, double t);

// The t at which mmc_response_tail falls to 1 - q (q in (0, 1)).
double mmc_response_quantile(double lambda, double mu, uint32_t c, double q);

}  // namespace faultline::lint
