// SPDX-License-Identifier: Apache-2.0
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz/entries/entries.hpp"
#include "netem/engine/control_request.hpp"
#include "netem/engine/impairment_json.hpp"

namespace faultline::fuzz {

using netem::engine::EngineRequest;
using nlohmann::json;
using Op = EngineRequest::Op;
using Dir = EngineRequest::Dir;

namespace {

const char* op_name(Op op) {
  switch (op) {
    case Op::kPing: return "ping";
    case Op::kStats: return "stats";
    case Op::kGet: return "get";
    case Op::kSet: return "set";
    case Op::kStop: return "stop";
  }
  return "?";
}

// The request as the orchestrator writes it (runtime/links.cpp), from its
// typed form: what the engine accepted must read back as the same request.
json to_request(const EngineRequest& r) {
  json j{{"op", op_name(r.op)}};
  if (r.op == Op::kStats && r.reset_lateness) j["reset_lateness"] = true;
  if (r.op == Op::kSet) {
    j[r.segment ? "segment" : "link"] = r.name;
    if (!r.segment) j["dir"] = r.dir == Dir::kAtoB ? "a->b" : r.dir == Dir::kBtoA ? "b->a" : "both";
    j["impairment"] = r.impairment;
  }
  return j;
}

}  // namespace

int engine_request(const uint8_t* data, size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  auto r = netem::engine::parse_engine_request(s);
  if (!r.ok()) {
    const std::string msg = r.error().message();
    check(!msg.empty(), "a refused request says why");
    check(answer_serializes(msg), "the refusal can be sent as JSON: " + printable(msg));
    return 0;
  }
  if (r->op == Op::kSet) {
    const auto& imp = r->impairment;
    check(imp.delay_ns >= 0 && imp.jitter_ns >= 0, "no negative delay or jitter");
    check(imp.loss_ppm <= netem::kPpmMax && imp.duplicate_ppm <= netem::kPpmMax && imp.corrupt_ppm <= netem::kPpmMax &&
              imp.reorder_ppm <= netem::kPpmMax,
          "percentages are at most 100%");
  }
  const std::string again = to_request(*r).dump();
  auto back = netem::engine::parse_engine_request(again);
  check(back.ok(), "an accepted request, written again, is accepted: " + again);
  const auto& b = *back;
  check(b.op == r->op && b.reset_lateness == r->reset_lateness && b.segment == r->segment && b.name == r->name &&
            b.dir == r->dir && b.impairment == r->impairment,
        "an accepted request, written again, reads back the same: " + again);
  return 0;
}

}  // namespace faultline::fuzz
