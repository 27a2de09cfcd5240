// SPDX-License-Identifier: Apache-2.0
// The impairment keys shared by [[link]], its a_to_b / b_to_a tables,
// [[segment]] and link and segment [[fault]]s, and netem's rules about which
// combinations mean something.
#pragma once

#include <toml++/toml.h>

#include <map>
#include <string>
#include <vector>

#include "netem/impairment.hpp"
#include "orchestrator/model/toml_reader.hpp"

namespace faultline::model::detail {

const std::vector<std::string>& impairment_keys();

// Impairment key -> its value node. Layers overlay: a link's direction table
// over the link, a fault over the link's direction. A key of the top layer
// replaces the same key below; the loss keys (loss, loss_correlation,
// loss_model, gemodel_*) replace as a group.
using KeyNodes = std::map<std::string, const toml::node*, std::less<>>;
KeyNodes impairment_nodes(const toml::table& t);
KeyNodes overlay(KeyNodes base, const KeyNodes& top);

struct ImpairmentRead {
  netem::Impairment imp;
  bool ok = true;
};

// Converts the keys; with check_combination, also refuses combinations netem
// would ignore or reject (jitter without delay, ...). Problems are reported at
// the value that decides them, so a problem in a link shared by a fault is
// reported once, at the link.
ImpairmentRead read_impairment(Diagnostics& d, const KeyNodes& keys, bool check_combination);

}  // namespace faultline::model::detail
