// SPDX-License-Identifier: Apache-2.0
// One JSON request object, read strictly, as the control protocols (the run
// owner's, the link engine's) read theirs: the text bounded and parsed
// without exceptions, an "op" out of a fixed list, and only the keys that op
// reads (a typo is an error, never silently ignored). Pure: no I/O, no throw.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace faultline {

template <class Op>
struct RequestOp {
  const char* name;
  Op op;
  std::initializer_list<const char*> keys;  // the keys it reads besides "op"
};

// The request object of `text`: at most `limit` bytes, JSON, an object.
inline Result<nlohmann::json> parse_request_object(std::string_view text, size_t limit) {
  if (text.size() > limit) return logic_error("the request is larger than " + std::to_string(limit) + " bytes");
  nlohmann::json req = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded()) return logic_error("the request is not JSON (malformed or truncated)");
  if (!req.is_object()) return logic_error("the request is not a JSON object");
  return req;
}

// The entry of `ops` that req's "op" names, once req is known to hold no key
// that op does not read; errors list what is allowed.
template <class Op, size_t N>
Result<const RequestOp<Op>*> request_op(const nlohmann::json& req, const RequestOp<Op> (&ops)[N]) {
  std::string allowed_ops;
  for (const auto& o : ops) allowed_ops += (allowed_ops.empty() ? "" : ", ") + std::string(o.name);
  const auto it = req.find("op");
  if (it == req.end() || !it->is_string()) return logic_error("the request needs \"op\", a string: " + allowed_ops);
  const std::string op = it->template get<std::string>();
  const auto* found = std::find_if(std::begin(ops), std::end(ops), [&](const auto& o) { return op == o.name; });
  if (found == std::end(ops)) return logic_error("unknown op '" + op + "'; allowed: " + allowed_ops);
  for (auto item = req.begin(); item != req.end(); ++item) {
    // Not a structured binding: clang 14 cannot capture one in a lambda.
    const std::string& key = item.key();
    const auto reads = [&](const char* k) { return key == k; };
    if (key == "op" || std::any_of(found->keys.begin(), found->keys.end(), reads)) continue;
    std::string allowed;
    for (const char* k : found->keys) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
    return logic_error(op + ": unknown key '" + key + "'; allowed: " + (allowed.empty() ? "none" : allowed));
  }
  return found;
}

}  // namespace faultline
