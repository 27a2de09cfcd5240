// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/control_request.hpp"

#include <nlohmann/json.hpp>


#include "base/json_request.hpp"
#include "netem/engine/impairment_json.hpp"

namespace faultline::netem::engine {

using nlohmann::json;

namespace {

const RequestOp<EngineRequest::Op> kOps[] = {
    {"ping", EngineRequest::Op::kPing, {}},
    {"stats", EngineRequest::Op::kStats, {"reset_lateness"}},
    {"get", EngineRequest::Op::kGet, {}},
    {"set", EngineRequest::Op::kSet, {"link", "segment", "dir", "impairment"}},
    {"stop", EngineRequest::Op::kStop, {}},
};

Status parse_set(const json& req, EngineRequest& out) {
  const auto link = req.find("link");
  const auto segment = req.find("segment");
  if ((link == req.end()) == (segment == req.end())) return logic_error("set needs one of 'link' or 'segment'");
  const auto name = link != req.end() ? link : segment;
  if (!name->is_string()) return logic_error(std::string("'") + (link != req.end() ? "link" : "segment") +
                                             "' must be a string");
  out.segment = segment != req.end();
  out.name = name->get<std::string>();
  if (const auto dir = req.find("dir"); dir != req.end()) {
    if (out.segment) return logic_error("'dir' is for links; a segment has one impairment");
    const std::string d = dir->is_string() ? dir->get<std::string>() : "";
    if (d == "a->b") out.dir = EngineRequest::Dir::kAtoB;
    else if (d == "b->a") out.dir = EngineRequest::Dir::kBtoA;
    else if (d == "both") out.dir = EngineRequest::Dir::kBoth;
    else return logic_error("'dir' must be a->b, b->a or both");
  }
  const auto imp = req.find("impairment");
  if (imp == req.end()) return logic_error("set needs 'impairment'");
  auto parsed = impairment_from_json(*imp);  // catches nlohmann's exceptions itself
  if (!parsed.ok()) return parsed.error();
  out.impairment = parsed.value();
  return {};
}

}  // namespace

Result<EngineRequest> parse_engine_request(std::string_view line) {
  auto parsed = parse_request_object(line, kMaxEngineRequestBytes);
  if (!parsed.ok()) return parsed.error();
  const json& req = parsed.value();
  auto known = request_op(req, kOps);
  if (!known.ok()) return known.error();
  EngineRequest out;
  out.op = known.value()->op;
  if (out.op == EngineRequest::Op::kStats) {
    if (const auto r = req.find("reset_lateness"); r != req.end()) {
      if (!r->is_boolean()) return logic_error("stats: 'reset_lateness' must be a boolean");
      out.reset_lateness = r->get<bool>();
    }
  } else if (out.op == EngineRequest::Op::kSet) {
    if (Status st = parse_set(req, out); !st.ok()) return wrap(st.error(), "set");
  }
  return out;
}

}  // namespace faultline::netem::engine
