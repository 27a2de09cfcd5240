// SPDX-License-Identifier: Apache-2.0
#include <string>
#include <string_view>

#include "fuzz/entries/entries.hpp"
#include "orchestrator/model/dist_backoff.hpp"

namespace faultline::fuzz {

int dist_backoff(const uint8_t* data, size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  const std::string q = "\"" + std::string(s) + "\"";
  using model::DurationDist;
  using model::Backoff;
  if (auto d = model::detail::parse_duration_dist(s); d.ok()) {
    check(d->mean_ns >= 0 && d->param_ns >= 0, q + ": a distribution's durations are never negative");
    if (d->kind == DurationDist::Kind::kPareto) check(d->shape > 1.0, q + ": a pareto alpha is more than 1");
    if (d->kind != DurationDist::Kind::kConstant && d->kind != DurationDist::Kind::kUniform)
      check(d->mean_ns > 0, q + ": a random distribution's mean is more than 0");
  } else {
    check(!d.error().context.empty(), q + ": a refused distribution says why");
  }
  if (auto b = model::detail::parse_backoff(s); b.ok()) {
    if (b->kind != Backoff::Kind::kNone) {
      check(b->base_ns > 0, q + ": a backoff's base is more than 0");
      check(b->cap_ns >= b->base_ns, q + ": a backoff's cap is at least its base");
    }
  } else {
    check(!b.error().context.empty(), q + ": a refused backoff says why");
  }
  return 0;
}

}  // namespace faultline::fuzz
