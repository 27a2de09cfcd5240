// SPDX-License-Identifier: Apache-2.0
// summary.json's `flow`: whether the flow view ran, the first node pair to go
// bad on the wire and the order the others followed (analysis/flow_spread.hpp
// over the "flow" rows of the series).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "orchestrator/experiment/expectations.hpp"
#include "orchestrator/experiment/series_store.hpp"

namespace faultline::experiment {

// why_not: empty when the flow view ran; else why it did not.
nlohmann::json flow_summary(const SeriesStore& store, const PhaseTicks& ph, std::optional<double> first_fault_s,
                            const std::string& why_not);

}  // namespace faultline::experiment
