// SPDX-License-Identifier: Apache-2.0
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz/entries/entries.hpp"
#include "orchestrator/model/units.hpp"
#include "orchestrator/runtime/control_request.hpp"

namespace faultline::fuzz {

using nlohmann::json;
using runtime::ControlRequest;
using Op = ControlRequest::Op;

namespace {

const char* op_name(Op op) {
  switch (op) {
    case Op::kPing: return "ping";
    case Op::kList: return "list";
    case Op::kStats: return "stats";
    case Op::kImpair: return "impair";
    case Op::kClear: return "clear";
    case Op::kPartition: return "partition";
    case Op::kHeal: return "heal";
  }
  return "?";
}

// The request as `faultline fault` writes it (cli/cmd_fault.cpp), from its
// typed form: what the owner accepted must read back as the same request.
json to_request(const ControlRequest& r) {
  json j{{"op", op_name(r.op)}};
  switch (r.op) {
    case Op::kImpair:
      j["args"] = r.args;
      [[fallthrough]];
    case Op::kClear:
      j["target"] = r.target;
      break;
    case Op::kPartition: {
      const auto& p = r.partition;
      j["from"] = p.from;
      j["to"] = p.to;
      j["both_ways"] = r.both_ways;
      if (p.proto != 0) j["proto"] = p.proto == 6 ? "tcp" : p.proto == 17 ? "udp" : "icmp";
      if (p.port_lo != 0)
        j["ports"] = std::to_string(p.port_lo) + (p.port_hi == p.port_lo ? "" : "-" + std::to_string(p.port_hi));
      if (p.flap_on_ns != 0)
        j["flap"] = model::units::format_duration(p.flap_on_ns) + "/" + model::units::format_duration(p.flap_off_ns);
      break;
    }
    case Op::kHeal:
      if (r.id) j["id"] = *r.id;
      break;
    case Op::kPing:
    case Op::kList:
    case Op::kStats:
      break;
  }
  return j;
}

bool same(const ControlRequest& a, const ControlRequest& b) {
  const auto& p = a.partition;
  const auto& q = b.partition;
  return a.op == b.op && a.target == b.target && a.args == b.args && a.both_ways == b.both_ways && a.id == b.id &&
         p.from == q.from && p.to == q.to && p.proto == q.proto && p.port_lo == q.port_lo && p.port_hi == q.port_hi &&
         p.flap_on_ns == q.flap_on_ns && p.flap_off_ns == q.flap_off_ns;
}

}  // namespace

int control_request(const uint8_t* data, size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  auto r = runtime::parse_control_request(s);
  if (!r.ok()) {
    const std::string msg = r.error().message();
    check(!msg.empty(), "a refused request says why");
    check(answer_serializes(msg), "the refusal can be sent as JSON: " + printable(msg));
    return 0;
  }
  const auto& p = r->partition;
  if (r->op == Op::kPartition) {
    check(!p.from.empty() && !p.to.empty(), "a partition has nodes on both sides");
    check(p.port_lo <= p.port_hi, "a port range is not reversed");
    check(p.port_lo == 0 || p.proto == 6 || p.proto == 17, "ports only with tcp or udp");
    check((p.flap_on_ns > 0) == (p.flap_off_ns > 0) && p.flap_on_ns >= 0, "a flap has both phases or none");
  }
  const std::string again = to_request(*r).dump();
  auto back = runtime::parse_control_request(again);
  check(back.ok(), "an accepted request, written again, is accepted: " + again);
  check(same(*r, *back), "an accepted request, written again, reads back the same: " + again);
  return 0;
}

}  // namespace faultline::fuzz
