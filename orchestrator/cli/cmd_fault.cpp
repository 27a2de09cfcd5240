// SPDX-License-Identifier: Apache-2.0
// `faultline fault RUN ...`: impair links and segments, cut, stop and load
// nodes, partition them, and undo it, live, through the run owner's control
// socket.
//
//   fault RUN link:api-db delay=150ms loss=2%     both directions
//   fault RUN link:api-db oneway delay=150ms      api -> db only (or 'link:api->db', quoted)
//   fault RUN segment:lan rate=10Mbit
//   fault RUN node:db cpu=0.1 | memory=64MiB | pause | kill | restart | partition
//   fault RUN node:db cpu-hog=1 | memory-hog=256MiB
//   fault RUN --clear link:api-db | segment:lan | node:db | all
//   fault RUN partition api to db [tcp:5432] [flap=2s/1s]
//   fault RUN partition api,cache and db          both ways, peer sets
//   ('-/->' and '<-/->' mean the same as to / and; quote them: the shell
//   reads a bare > as a redirection)
//   fault RUN heal [ID]
//   fault RUN list
#include <cstdio>
#include <sstream>
#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "base/text.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/runtime/control.hpp"

namespace faultline::cli {

using nlohmann::json;

namespace {

json partition_request(const std::vector<std::string>& a) {
  // a: partition FROM ARROW TO [proto[:ports]] [flap=ON/OFF]
  const bool one_way = a.size() >= 4 && (a[2] == "-/->" || a[2] == "to");
  const bool both_ways = a.size() >= 4 && (a[2] == "<-/->" || a[2] == "and");
  if (!one_way && !both_ways)
    fail(Failure::kBadInput,
                     "usage: fault RUN partition A[,B...] to C[,D...] [tcp|udp|icmp[:PORT[-PORT]]] [flap=ON/OFF]\n"
                     "       ('and' instead of 'to' cuts both ways; '-/->' and '<-/->', quoted, work too)");
  json req{{"op", "partition"}, {"from", split(a[1], ',', Empty::kDrop)}, {"to", split(a[3], ',', Empty::kDrop)}, {"both_ways", both_ways}};
  for (size_t i = 4; i < a.size(); ++i) {
    if (a[i].rfind("flap=", 0) == 0) {
      req["flap"] = a[i].substr(5);
    } else {
      const auto colon = a[i].find(':');
      req["proto"] = a[i].substr(0, colon);
      if (colon != std::string::npos) req["ports"] = a[i].substr(colon + 1);
    }
  }
  return req;
}

void print_list(const json& ans) {
  for (const auto& l : ans["links"])
    std::printf("link %-20s %-17s %s->: %s | <-: %s%s\n", l["link"].get<std::string>().c_str(),
                l["carrier"].get<std::string>().c_str(), "", l["a_to_b"].get<std::string>().c_str(),
                l["b_to_a"].get<std::string>().c_str(), l["changed"].get<bool>() ? "   (changed)" : "");
  for (const auto& s : ans["segments"])
    std::printf("segment %-17s %-17s %s%s\n", s["segment"].get<std::string>().c_str(),
                s["carrier"].get<std::string>().c_str(), s["impairment"].get<std::string>().c_str(),
                s["changed"].get<bool>() ? "   (changed)" : "");
  if (ans.contains("nodes"))
    for (const auto& [node, faults] : ans["nodes"].items())
      for (const auto& f : faults) std::printf("node %-20s %s\n", node.c_str(), f.get<std::string>().c_str());
  for (const auto& p : ans["partitions"]) {
    std::string left;
    if (p.contains("left_on")) {
      for (const auto& n : p["left_on"]) left += (left.empty() ? "" : ",") + n.get<std::string>();
      left = "   (left on " + left + " by a change that failed and could not be undone; heal " +
             std::to_string(p["id"].get<unsigned>()) + " removes it)";
    }
    std::printf("partition %u: %s  dropped %llu%s\n", p["id"].get<unsigned>(), p["partition"].get<std::string>().c_str(),
                static_cast<unsigned long long>(p["dropped"].get<uint64_t>()), left.c_str());
  }
}

}  // namespace

int cmd_fault(const std::string& run, const std::vector<std::string>& args, bool clear) {
  require_root("fault");
  const auto st = require_run(run);
  if (!st.owner_alive())
    fail(Failure::kRuntime, "the owner of run " + run + " (pid " + std::to_string(st.owner.pid) +
                                ") is gone, so nothing can change the run; `faultline cleanup` removes what it left");
  if (args.empty())
    fail(Failure::kBadInput, "what fault? e.g. link:api-db delay=150ms, partition api -/-> db, list");
  json req;
  if (clear) {
    req = {{"op", "clear"}, {"target", args[0]}};
  } else if (args[0] == "list") {
    req = {{"op", "list"}};
  } else if (args[0] == "heal") {
    req = {{"op", "heal"}};
    if (args.size() > 1 && args[1] != "all") {
      try {
        req["id"] = std::stoul(args[1]);
      } catch (const std::exception&) {
        fail(Failure::kBadInput, "heal takes a partition id (see `fault RUN list`) or nothing");
      }
    }
  } else if (args[0] == "partition") {
    req = partition_request(args);
  } else {
    req = {{"op", "impair"}, {"target", args[0]}, {"args", std::vector<std::string>(args.begin() + 1, args.end())}};
  }
  bool answered = false;
  auto ans = runtime::control_request(run, req, 30'000, &answered);
  // An owner that does not answer is a runtime failure; its refusal is
  // classed by what it says (an unknown link or a bad value is bad input, a
  // kernel without the feature the environment).
  if (!ans.ok()) fail(answered ? input_failure(ans.error()) : Failure::kRuntime, ans.error().message());
  if (req["op"] == "list") {
    print_list(ans.value());
  } else if (req["op"] == "impair") {
    std::printf("%s\n", ans->dump().c_str());
  } else if (req["op"] == "partition") {
    std::printf("partition id(s): %s\n", (*ans)["ids"].dump().c_str());
  } else {
    std::printf("ok\n");
  }
  return 0;
}

}  // namespace faultline::cli
