// SPDX-License-Identifier: Apache-2.0
// Impairments typed at the keyboard (`faultline fault RUN link:api-db
// delay=150ms loss=2%`), read with the same keys, units and checks as the
// topology file, laid over what the link does now.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "netem/impairment.hpp"

namespace faultline::model {

// Each arg is key=value with a key of the impairment table (docs/topology.md).
// Keys not given keep base's values (the loss keys replace as a group). Errors
// name the argument: "argument 2 (loss=200%): ...".
Result<netem::Impairment> parse_impairment_args(const std::vector<std::string>& args, const netem::Impairment& base);

// Whether the arg looks like key=value with an impairment key.
bool is_impairment_arg(const std::string& arg);

}  // namespace faultline::model
