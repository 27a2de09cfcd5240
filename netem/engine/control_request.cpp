#include "netem/engine/control_request.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <initializer_list>

#include "netem/engine/impairment_json.hpp"

namespace faultline::netem::engine {

using nlohmann::json;

namespace {

struct OpName {
  const char* name;
  EngineRequest::Op op;
  std::initializer_list<const char*> keys;  // besides "op"
};

const OpName kOps[] = {
    {"ping", EngineRequest::Op::kPing, {}},
    {"stats", EngineRequest::Op::kStats, {"reset_lateness"}},
    {"get", EngineRequest::Op::kGet, {}},
    {"set", EngineRequest::Op::kSet, {"link", "segment", "dir", "impairment"}},
    {"stop", EngineRequest::Op::kStop, {}},
};

const char* kAllowedOps = "ping, stats, get, set, stop";

Status check_keys(const json& req, const OpName& op) {
  for (const auto& [key, value] : req.items()) {
    if (key == "op") continue;
    if (std::any_of(op.keys.begin(), op.keys.end(), [&](const char* k) { return key == k; })) continue;
    std::string allowed;
    for (const char* k : op.keys) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
    return logic_error(std::string(op.name) + ": unknown key '" + key + "'; allowed: " +
                       (allowed.empty() ? "none" : allowed));
  }
  return {};
}

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
  if (line.size() > kMaxEngineRequestBytes)
    return logic_error("the request is longer than " + std::to_string(kMaxEngineRequestBytes) + " bytes");
  const json req = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded()) return logic_error("the request is not JSON (malformed or truncated)");
  if (!req.is_object()) return logic_error("the request is not a JSON object");
  const auto op_it = req.find("op");
  if (op_it == req.end() || !op_it->is_string())
    return logic_error(std::string("the request needs \"op\", a string: ") + kAllowedOps);
  const std::string op = op_it->get<std::string>();
  const auto* known = std::find_if(std::begin(kOps), std::end(kOps), [&](const OpName& o) { return op == o.name; });
  if (known == std::end(kOps)) return logic_error("unknown op '" + op + "'; allowed: " + kAllowedOps);
  FL_TRY(check_keys(req, *known));
  EngineRequest out;
  out.op = known->op;
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
