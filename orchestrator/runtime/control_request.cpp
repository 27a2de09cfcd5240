// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/control_request.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

#include "base/json_request.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::runtime {

using nlohmann::json;

namespace {

constexpr size_t kMaxArgs = 64;

using OpName = RequestOp<ControlRequest::Op>;

const OpName kOps[] = {
    {"ping", ControlRequest::Op::kPing, {}},
    {"list", ControlRequest::Op::kList, {}},
    {"stats", ControlRequest::Op::kStats, {}},
    {"impair", ControlRequest::Op::kImpair, {"target", "args"}},
    {"clear", ControlRequest::Op::kClear, {"target"}},
    {"partition", ControlRequest::Op::kPartition, {"from", "to", "both_ways", "proto", "ports", "flap"}},
    {"heal", ControlRequest::Op::kHeal, {"id"}},
};

Result<std::string> string_field(const json& req, const char* key, bool required) {
  const auto it = req.find(key);
  if (it == req.end()) {
    if (required) return logic_error(std::string("'") + key + "' is missing (a string)");
    return std::string();
  }
  if (!it->is_string()) return logic_error(std::string("'") + key + "' must be a string");
  return it->get<std::string>();
}

Result<std::vector<std::string>> strings_field(const json& req, const char* key) {
  const auto it = req.find(key);
  if (it == req.end()) return std::vector<std::string>{};
  if (!it->is_array()) return logic_error(std::string("'") + key + "' must be an array of strings");
  if (it->size() > kMaxArgs)
    return logic_error(std::string("'") + key + "' has more than " + std::to_string(kMaxArgs) + " items");
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) return logic_error(std::string("'") + key + "' must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<uint16_t> port(std::string_view s, const std::string& ports) {
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 1 || v > 65535)
    return logic_error("ports '" + ports + "': expected N or N-M, each 1..65535");
  return static_cast<uint16_t>(v);
}

Status parse_partition(const json& req, ControlRequest& out) {
  PartitionSpec& s = out.partition;
  auto from = strings_field(req, "from");
  if (!from.ok()) return from.error();
  auto to = strings_field(req, "to");
  if (!to.ok()) return to.error();
  // A request names nodes as text; the run checks each against its plan.
  for (auto& n : from.value()) s.from.emplace_back(std::move(n));
  for (auto& n : to.value()) s.to.emplace_back(std::move(n));
  if (s.from.empty() || s.to.empty()) return logic_error("partition needs nodes on both sides ('from' and 'to')");
  if (const auto it = req.find("both_ways"); it != req.end()) {
    if (!it->is_boolean()) return logic_error("'both_ways' must be a boolean");
    out.both_ways = it->get<bool>();
  }
  auto proto = string_field(req, "proto", false);
  if (!proto.ok()) return proto.error();
  if (*proto == "tcp") s.proto = 6;
  else if (*proto == "udp") s.proto = 17;
  else if (*proto == "icmp") s.proto = 1;
  else if (!proto->empty()) return logic_error("protocol '" + *proto + "': allowed tcp, udp, icmp");
  auto ports = string_field(req, "ports", false);
  if (!ports.ok()) return ports.error();
  if (!ports->empty()) {
    if (s.proto != 6 && s.proto != 17) return logic_error("ports need tcp or udp, e.g. tcp:5432");
    const std::string_view p = *ports;
    const auto dash = p.find('-');
    auto lo = port(p.substr(0, dash), *ports);
    if (!lo.ok()) return lo.error();
    auto hi = dash == std::string_view::npos ? lo : port(p.substr(dash + 1), *ports);
    if (!hi.ok()) return hi.error();
    if (*hi < *lo) return logic_error("ports '" + *ports + "': expected N-M with N <= M");
    s.port_lo = *lo;
    s.port_hi = *hi;
  }
  auto flap = string_field(req, "flap", false);
  if (!flap.ok()) return flap.error();
  if (!flap->empty()) {
    const auto slash = flap->find('/');
    if (slash == std::string::npos) return logic_error("flap '" + *flap + "': expected ON/OFF, e.g. 2s/1s");
    auto on = model::units::parse_duration_ns(flap->substr(0, slash));
    auto off = model::units::parse_duration_ns(flap->substr(slash + 1));
    if (!on.ok()) return wrap(on.error(), "flap");
    if (!off.ok()) return wrap(off.error(), "flap");
    if (on.value() <= 0 || off.value() <= 0) return logic_error("flap: both phases must be longer than 0");
    s.flap_on_ns = on.value();
    s.flap_off_ns = off.value();
  }
  return {};
}

Status parse_heal(const json& req, ControlRequest& out) {
  const auto it = req.find("id");
  if (it == req.end()) return {};
  if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<uint64_t>() > UINT32_MAX)
    return logic_error("'id' must be a partition id (an integer from 0 to " + std::to_string(UINT32_MAX) +
                       "; see `faultline fault RUN list`)");
  out.id = static_cast<uint32_t>(it->get<uint64_t>());
  return {};
}

Result<ControlRequest> parse_object(const json& req) {
  auto known = request_op(req, kOps);
  if (!known.ok()) return known.error();
  const std::string op = known.value()->name;
  ControlRequest out;
  out.op = known.value()->op;
  switch (out.op) {
    case ControlRequest::Op::kImpair: {
      auto args = strings_field(req, "args");
      if (!args.ok()) return wrap(args.error(), op);
      out.args = std::move(args.value());
      [[fallthrough]];
    }
    case ControlRequest::Op::kClear: {
      auto target = string_field(req, "target", true);
      if (!target.ok()) return wrap(target.error(), op);
      if (target->empty()) return logic_error(op + ": 'target' is empty");
      out.target = std::move(target.value());
      break;
    }
    case ControlRequest::Op::kPartition:
      if (Status st = parse_partition(req, out); !st.ok()) return wrap(st.error(), op);
      break;
    case ControlRequest::Op::kHeal:
      if (Status st = parse_heal(req, out); !st.ok()) return wrap(st.error(), op);
      break;
    case ControlRequest::Op::kPing:
    case ControlRequest::Op::kList:
    case ControlRequest::Op::kStats:
      break;
  }
  return out;
}

}  // namespace

Result<ControlRequest> parse_control_request(std::string_view text) {
  auto req = parse_request_object(text, kMaxControlRequestBytes);
  if (!req.ok()) return req.error();
  return parse_object(req.value());
}

}  // namespace faultline::runtime
