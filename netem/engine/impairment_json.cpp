// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/impairment_json.hpp"

#include <initializer_list>
#include <limits>
#include <string_view>
#include <type_traits>
#include <nlohmann/json.hpp>

namespace faultline::netem {

using nlohmann::json;

const char* to_string(LossModel m) {
  return m == LossModel::kGilbertElliott ? "gemodel" : "random";
}

std::optional<LossModel> loss_model_from_string(const std::string& s) {
  if (s == "random") return LossModel::kRandom;
  if (s == "gemodel") return LossModel::kGilbertElliott;
  return std::nullopt;
}

namespace {

void reject_unknown(const json& j, std::initializer_list<std::string_view> known, const char* what) {
  if (!j.is_object()) throw json::type_error::create(302, std::string(what) + " must be an object", &j);
  for (const auto& [k, v] : j.items()) {
    bool ok = false;
    for (auto n : known) ok = ok || k == n;
    if (!ok) throw json::other_error::create(501, std::string("unknown key '") + k + "' in " + what, &j);
  }
}

// Reads an integer field if present; nlohmann checks the type, we check that
// the value fits the destination (no silent wrap of -1 into 4294967295).
template <class T>
void get_int(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end()) return;
  if (!it->is_number_integer()) throw json::type_error::create(302, std::string(key) + " must be an integer", &j);
  if (it->is_number_unsigned()) {
    const auto v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max()))
      throw json::out_of_range::create(406, std::string(key) + " out of range", &j);
    out = static_cast<T>(v);
  } else {
    const auto v = it->get<int64_t>();
    if constexpr (std::is_unsigned_v<T>) {
      if (v < 0) throw json::out_of_range::create(406, std::string(key) + " must not be negative", &j);
    } else {
      if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          v > static_cast<int64_t>(std::numeric_limits<T>::max()))
        throw json::out_of_range::create(406, std::string(key) + " out of range", &j);
    }
    out = static_cast<T>(v);
  }
}

}  // namespace

void to_json(json& j, const GilbertElliott& g) {
  j = json{{"p_ppm", g.p_ppm}, {"r_ppm", g.r_ppm}, {"h_ppm", g.h_ppm}, {"k_ppm", g.k_ppm}};
}

void from_json(const json& j, GilbertElliott& g) {
  reject_unknown(j, {"p_ppm", "r_ppm", "h_ppm", "k_ppm"}, "gemodel");
  g = GilbertElliott{};
  get_int(j, "p_ppm", g.p_ppm);
  get_int(j, "r_ppm", g.r_ppm);
  get_int(j, "h_ppm", g.h_ppm);
  get_int(j, "k_ppm", g.k_ppm);
}

void to_json(json& j, const Impairment& imp) {
  j = json{{"delay_ns", imp.delay_ns},
           {"jitter_ns", imp.jitter_ns},
           {"jitter_dist", to_string(imp.jitter_dist)},
           {"delay_correlation_ppm", imp.delay_correlation_ppm},
           {"loss_model", to_string(imp.loss_model)},
           {"loss_ppm", imp.loss_ppm},
           {"loss_correlation_ppm", imp.loss_correlation_ppm},
           {"gemodel", imp.gilbert},
           {"duplicate_ppm", imp.duplicate_ppm},
           {"corrupt_ppm", imp.corrupt_ppm},
           {"reorder_ppm", imp.reorder_ppm},
           {"rate_bps", imp.rate_bps},
           {"overhead_bytes", imp.overhead_bytes},
           {"limit_packets", imp.limit_packets},
           {"limit_bytes", imp.limit_bytes}};
}

void from_json(const json& j, Impairment& imp) {
  reject_unknown(j,
                 {"delay_ns", "jitter_ns", "jitter_dist", "delay_correlation_ppm", "loss_model", "loss_ppm",
                  "loss_correlation_ppm", "gemodel", "duplicate_ppm", "corrupt_ppm", "reorder_ppm", "rate_bps",
                  "overhead_bytes", "limit_packets", "limit_bytes"},
                 "impairment");
  imp = Impairment{};
  get_int(j, "delay_ns", imp.delay_ns);
  get_int(j, "jitter_ns", imp.jitter_ns);
  if (auto it = j.find("jitter_dist"); it != j.end()) {
    auto d = it->is_string() ? jitter_dist_from_string(it->get<std::string>()) : std::nullopt;
    if (!d) throw json::other_error::create(501, "jitter_dist must be uniform|normal|pareto|paretonormal", &j);
    imp.jitter_dist = *d;
  }
  get_int(j, "delay_correlation_ppm", imp.delay_correlation_ppm);
  if (auto it = j.find("loss_model"); it != j.end()) {
    auto m = it->is_string() ? loss_model_from_string(it->get<std::string>()) : std::nullopt;
    if (!m) throw json::other_error::create(501, "loss_model must be random|gemodel", &j);
    imp.loss_model = *m;
  }
  get_int(j, "loss_ppm", imp.loss_ppm);
  get_int(j, "loss_correlation_ppm", imp.loss_correlation_ppm);
  if (auto it = j.find("gemodel"); it != j.end()) imp.gilbert = it->get<GilbertElliott>();
  get_int(j, "duplicate_ppm", imp.duplicate_ppm);
  get_int(j, "corrupt_ppm", imp.corrupt_ppm);
  get_int(j, "reorder_ppm", imp.reorder_ppm);
  get_int(j, "rate_bps", imp.rate_bps);
  get_int(j, "overhead_bytes", imp.overhead_bytes);
  get_int(j, "limit_packets", imp.limit_packets);
  get_int(j, "limit_bytes", imp.limit_bytes);
}

Result<Impairment> impairment_from_json(const json& j) {
  Impairment imp;
  try {
    imp = j.get<Impairment>();
  } catch (const json::exception& e) {
    return logic_error(std::string("bad impairment: ") + e.what());
  }
  if (imp.delay_ns < 0) return logic_error("bad impairment: delay_ns must not be negative");
  if (imp.jitter_ns < 0) return logic_error("bad impairment: jitter_ns must not be negative");
  for (auto [name, v] : {std::pair{"delay_correlation_ppm", imp.delay_correlation_ppm},
                         {"loss_ppm", imp.loss_ppm},
                         {"loss_correlation_ppm", imp.loss_correlation_ppm},
                         {"gemodel.p_ppm", imp.gilbert.p_ppm},
                         {"gemodel.r_ppm", imp.gilbert.r_ppm},
                         {"gemodel.h_ppm", imp.gilbert.h_ppm},
                         {"gemodel.k_ppm", imp.gilbert.k_ppm},
                         {"duplicate_ppm", imp.duplicate_ppm},
                         {"corrupt_ppm", imp.corrupt_ppm},
                         {"reorder_ppm", imp.reorder_ppm}}) {
    if (v > kPpmMax) return logic_error(std::string("bad impairment: ") + name + " must be at most 1000000");
  }
  return imp;
}

}  // namespace faultline::netem
