// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/model/dist_backoff.hpp"

#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "base/text.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::model::detail {
namespace {

std::vector<std::string> words(std::string_view s) { return split(trim(s), ' ', Empty::kDrop); }

Result<double> parse_number(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v))
    return logic_error("'" + std::string(s) + "' is not a number");
  return v;
}

Error dist_error(std::string_view s, const std::string& what) {
  return logic_error("\"" + std::string(s) + "\": " + what);
}

// Positive duration argument of a distribution.
Result<int64_t> positive_arg(std::string_view whole, std::string_view arg, const char* name) {
  auto v = units::parse_duration_ns(arg);
  if (!v.ok()) return dist_error(whole, v.error().context);
  if (v.value() <= 0) return dist_error(whole, std::string(name) + " must be more than 0");
  return v;
}

Result<DurationDist> two_durations(std::string_view whole, const std::vector<std::string>& args,
                                   DurationDist::Kind kind) {
  auto mean = positive_arg(whole, args[0], "the mean");
  if (!mean.ok()) return mean.error();
  auto second = units::parse_duration_ns(args[1]);
  if (!second.ok()) return dist_error(whole, second.error().context);
  DurationDist d;
  d.kind = kind;
  d.mean_ns = mean.value();
  d.param_ns = second.value();
  return d;
}

Result<DurationDist> pareto(std::string_view whole, const std::vector<std::string>& args) {
  auto mean = positive_arg(whole, args[0], "the mean");
  if (!mean.ok()) return mean.error();
  auto alpha = parse_number(args[1]);
  if (!alpha.ok()) return dist_error(whole, "alpha: " + alpha.error().context);
  // With alpha <= 1 the mean is infinite: no scale gives the requested mean.
  if (alpha.value() <= 1.0) return dist_error(whole, "alpha must be more than 1 (the mean is infinite otherwise)");
  DurationDist d;
  d.kind = DurationDist::Kind::kPareto;
  d.mean_ns = mean.value();
  d.shape = alpha.value();
  d.param_ns = std::llround(static_cast<double>(mean.value()) * (alpha.value() - 1.0) / alpha.value());
  return d;
}

Result<DurationDist> uniform(std::string_view whole, const std::vector<std::string>& args) {
  auto lo = units::parse_duration_ns(args[0]);
  if (!lo.ok()) return dist_error(whole, lo.error().context);
  auto hi = units::parse_duration_ns(args[1]);
  if (!hi.ok()) return dist_error(whole, hi.error().context);
  if (hi.value() < lo.value()) return dist_error(whole, "the minimum is larger than the maximum");
  DurationDist d;
  d.kind = DurationDist::Kind::kUniform;
  d.mean_ns = lo.value() + (hi.value() - lo.value()) / 2;
  d.param_ns = (hi.value() - lo.value()) / 2;
  return d;
}

struct DistForm {
  std::string_view name;
  size_t n_args;
};
constexpr DistForm kForms[] = {{"exp", 1}, {"lognormal", 2}, {"pareto", 2}, {"uniform", 2}, {"normal", 2}};

Result<DurationDist> parse_call_form(std::string_view s, std::string_view name, std::string_view inner) {
  const DistForm* form = nullptr;
  for (const auto& f : kForms)
    if (f.name == name) form = &f;
  if (!form) return dist_error(s, "unknown distribution '" + std::string(name) + "'; allowed: " + kDistForms);
  auto args = split(inner, ',');
  for (auto& a : args) a = std::string(trim(a));
  if (args.size() != form->n_args)
    return dist_error(s, std::string(name) + " takes " + std::to_string(form->n_args) + " argument" +
                             (form->n_args == 1 ? "" : "s") + "; allowed: " + kDistForms);
  if (name == "exp") {
    auto mean = positive_arg(s, args[0], "the mean");
    if (!mean.ok()) return mean.error();
    return DurationDist{DurationDist::Kind::kExponential, mean.value(), 0, 0.0};
  }
  if (name == "pareto") return pareto(s, args);
  if (name == "uniform") return uniform(s, args);
  const auto kind = name == "lognormal" ? DurationDist::Kind::kLognormal : DurationDist::Kind::kNormal;
  return two_durations(s, args, kind);
}

}  // namespace

Result<DurationDist> parse_duration_dist(std::string_view s) {
  const std::string_view t = trim(s);
  const size_t open = t.find('(');
  if (open == std::string_view::npos) {
    auto v = units::parse_duration_ns(t);
    if (!v.ok()) return logic_error(v.error().context + "; allowed: " + kDistForms);
    return DurationDist{DurationDist::Kind::kConstant, v.value(), 0, 0.0};
  }
  if (t.back() != ')') return dist_error(s, std::string("missing ')'; allowed: ") + kDistForms);
  return parse_call_form(s, trim(t.substr(0, open)), t.substr(open + 1, t.size() - open - 2));
}

namespace {

Error backoff_error(std::string_view s, const std::string& what) {
  return logic_error("\"" + std::string(s) + "\": " + what + "; allowed: " + kBackoffForms);
}

bool set_jitter(std::string_view w, Backoff& b) {
  if (w == "jitter" || w == "full-jitter")
    b.jitter = Backoff::Jitter::kFull;
  else if (w == "equal-jitter")
    b.jitter = Backoff::Jitter::kEqual;
  else if (w == "decorrelated" || w == "decorrelated-jitter")
    b.jitter = Backoff::Jitter::kDecorrelated;
  else
    return false;
  return true;
}

}  // namespace

Result<Backoff> parse_backoff(std::string_view s) {
  const auto w = words(s);
  if (w.size() == 1 && w[0] == "none") return Backoff{Backoff::Kind::kNone, Backoff::Jitter::kNone, 0, 0, 1.0};
  if (w.empty()) return backoff_error(s, "empty");
  auto base = units::parse_duration_ns(w[0]);
  if (!base.ok()) return backoff_error(s, base.error().context);
  if (base.value() == 0) return backoff_error(s, "a base of 0 means no backoff: write \"none\"");
  Backoff b{Backoff::Kind::kConstant, Backoff::Jitter::kNone, base.value(), base.value(), 1.0};
  size_t i = 1;
  if (i < w.size() && (w[i] == "exp" || w[i] == "exponential")) {
    b.kind = Backoff::Kind::kExponential;
    b.multiplier = 2.0;
    b.cap_ns = default_cap(base.value());
    ++i;
  }
  if (i < w.size() && set_jitter(w[i], b)) ++i;
  if (b.jitter == Backoff::Jitter::kDecorrelated && b.kind != Backoff::Kind::kExponential)
    return backoff_error(s, "decorrelated jitter grows the delay, so it needs \"exp\"");
  if (i < w.size() && w[i] == "cap") {
    if (b.kind != Backoff::Kind::kExponential) return backoff_error(s, "a cap only applies to \"exp\" backoff");
    if (i + 1 >= w.size()) return backoff_error(s, "\"cap\" needs a duration");
    auto cap = units::parse_duration_ns(w[i + 1]);
    if (!cap.ok()) return backoff_error(s, "cap: " + cap.error().context);
    if (cap.value() < b.base_ns) return backoff_error(s, "the cap is smaller than the base");
    b.cap_ns = cap.value();
    i += 2;
  }
  if (i < w.size()) return backoff_error(s, "unexpected '" + std::string(w[i]) + "'");
  return b;
}

}  // namespace faultline::model::detail
