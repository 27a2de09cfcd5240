// SPDX-License-Identifier: Apache-2.0
// The plan as one JSON document (`faultline plan --json`), for scripts: the
// same objects render() lists, in creation order, impairments described as
// faults.md writes them, each workload's configuration as its process reads it.
#pragma once

#include <nlohmann/json.hpp>

#include "orchestrator/plan/plan.hpp"

namespace faultline::plan {

nlohmann::json plan_json(const Plan& p);

}  // namespace faultline::plan
