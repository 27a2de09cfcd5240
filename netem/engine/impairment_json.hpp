// SPDX-License-Identifier: Apache-2.0
// JSON form of netem::Impairment, shared by the engine's config file, its
// control socket and the orchestrator. Integer units only, every field
// optional on input (missing = the Impairment default), unknown keys are
// errors so a typo never silently means "no impairment":
//   {"delay_ns":20000000, "jitter_ns":0, "jitter_dist":"uniform",
//    "delay_correlation_ppm":0, "loss_model":"random", "loss_ppm":0,
//    "loss_correlation_ppm":0, "gemodel":{"p_ppm":0,"r_ppm":0,"h_ppm":0,"k_ppm":0},
//    "duplicate_ppm":0, "corrupt_ppm":0, "reorder_ppm":0, "rate_bps":0,
//    "overhead_bytes":0, "limit_packets":0, "limit_bytes":0}
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "netem/impairment.hpp"

namespace faultline::netem {

const char* to_string(LossModel m);  // "random" | "gemodel"
std::optional<LossModel> loss_model_from_string(const std::string& s);

// nlohmann ADL hooks. from_json throws nlohmann::json::exception on bad input;
// code outside a try block should call impairment_from_json instead.
void to_json(nlohmann::json& j, const GilbertElliott& g);
void from_json(const nlohmann::json& j, GilbertElliott& g);
void to_json(nlohmann::json& j, const Impairment& imp);
void from_json(const nlohmann::json& j, Impairment& imp);

// Parses and range-checks (ppm <= 1e6, no negative delay, jitter or rate).
Result<Impairment> impairment_from_json(const nlohmann::json& j);

}  // namespace faultline::netem
