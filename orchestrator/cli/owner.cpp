// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/cli/owner.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/model/impairment_args.hpp"
#include "orchestrator/runtime/control.hpp"
#include "orchestrator/runtime/proc.hpp"

namespace faultline::cli {

using nlohmann::json;

sigset_t control_signals() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  sigaddset(&s, SIGHUP);
  return s;
}

namespace {

json refusal(const std::string& msg) { return json{{"ok", false}, {"error", msg}}; }
// A system error keeps its errno, so that the client can tell a refused
// request (bad input) from a failure of the run or the kernel.
json refusal(const Error& e) {
  if (e.err == 0) return refusal(e.context);
  return json{{"ok", false}, {"error", e.context}, {"errno", e.err}};
}

// "link:api-db" (both ways), "link:api->db" (one way), "segment:lan".
struct Target {
  enum Kind { kLink, kSegment } kind = kLink;
  model::SegmentId segment;  // as typed: the link control finds it in the plan or refuses
  model::LinkId link;
  bool reversed = false;  // named from the link's b end ("db-api" for between = ["api", "db"])
  runtime::Direction dir = runtime::Direction::kBoth;
};

// The plan names a link's directions in `between` order: a reversed name flips them.
runtime::Direction one_way(const Target& t) {
  return t.reversed ? runtime::Direction::kBtoA : runtime::Direction::kAtoB;
}

Result<Target> parse_target(runtime::LinkControl& lc, const std::string& t) {
  Target out;
  if (t.rfind("segment:", 0) == 0) {
    out.kind = Target::kSegment;
    out.segment = model::SegmentId{t.substr(8)};
    return out;
  }
  if (t.rfind("link:", 0) != 0)
    return logic_error("target '" + t + "': expected link:A-B, link:A->B (one direction), segment:NAME or node:NAME");
  auto r = lc.resolve_link(std::string_view(t).substr(5));
  if (!r.ok()) return r.error();
  out.link = r->link->id;
  out.reversed = r->reversed;
  if (r->one_way) out.dir = one_way(out);
  return out;
}

json impair_node(NodeFaultBook& nodes, const std::string& node, const std::vector<std::string>& args) {
  auto f = parse_node_fault(node, args);
  if (!f.ok()) return refusal(f.error());
  auto what = nodes.apply(f.value());
  if (!what.ok()) return refusal(what.error());
  for (const auto& w : what.value()) std::fprintf(stderr, "faultline: fault: %s\n", w.c_str());
  return json{{"ok", true}, {"node", f->target.node}, {"applied", what.value()}};
}

json impair_link(runtime::LinkControl& lc, const std::string& target, std::vector<std::string> args) {
  auto t = parse_target(lc, target);
  if (!t.ok()) return refusal(t.error());
  // "oneway": only traffic from the first-named node to the second, so that
  // no '>' (a shell redirection) has to be typed.
  if (auto it = std::find(args.begin(), args.end(), "oneway"); it != args.end()) {
    args.erase(it);
    if (t->kind == Target::kLink && t->dir == runtime::Direction::kBoth) t.value().dir = one_way(*t);
  }
  if (args.empty()) return refusal("no impairment given, e.g. delay=150ms loss=2%");
  if (t->kind == Target::kSegment) {
    auto base = lc.current_segment(t->segment);
    if (!base.ok()) return refusal(base.error());
    auto imp = model::parse_impairment_args(args, base.value());
    if (!imp.ok()) return refusal(imp.error());
    const Status st = lc.set_segment(t->segment, imp.value());
    if (!st.ok()) return refusal(st.error());
    std::fprintf(stderr, "faultline: fault: segment %s: %s\n", t->segment.c_str(), netem::describe(*imp).c_str());
    return json{{"ok", true}, {"applied", netem::describe(*imp)}};
  }
  // Each direction overlays its own current impairment; both are read
  // before either changes, and set_link changes both or neither.
  std::vector<runtime::Direction> dirs;
  if (t->dir == runtime::Direction::kBoth) dirs = {runtime::Direction::kAtoB, runtime::Direction::kBtoA};
  else dirs = {t->dir};
  netem::Impairment next[2];
  for (int i = 0; i < 2; ++i) {
    auto cur = lc.current_link(t->link, i == 0 ? runtime::Direction::kAtoB : runtime::Direction::kBtoA);
    if (!cur.ok()) return refusal(cur.error());
    next[i] = cur.value();
  }
  json applied = json::object();
  for (auto d : dirs) {
    auto& imp_d = next[d == runtime::Direction::kAtoB ? 0 : 1];
    auto imp = model::parse_impairment_args(args, imp_d);
    if (!imp.ok()) return refusal(imp.error());
    imp_d = imp.value();
    applied[runtime::to_string(d)] = netem::describe(imp_d);
  }
  if (const Status st = lc.set_link(t->link, next[0], next[1]); !st.ok()) return refusal(st.error());
  for (const auto& [dir, what] : applied.items())
    std::fprintf(stderr, "faultline: fault: link %s %s: %s\n", t->link.name().c_str(), dir.c_str(),
                 what.get<std::string>().c_str());
  return json{{"ok", true}, {"link", t->link.name()}, {"applied", applied}};
}

json clear(runtime::Run& run, runtime::LinkControl& lc, NodeFaultBook& nodes, const std::string& target) {
  if (target.rfind("node:", 0) == 0) {
    const Status st = nodes.clear(target.substr(5));
    if (!st.ok()) return refusal(st.error());
    std::fprintf(stderr, "faultline: fault: %s back to its plan\n", target.c_str());
    return json{{"ok", true}};
  }
  if (target == "all") {
    // Every revert is tried, whatever failed before it; the first error is
    // answered, and `list` shows what still holds.
    Status first;
    auto keep = [&first](Status st) {
      if (!st.ok() && first.ok()) first = std::move(st);
    };
    keep(nodes.clear_all());
    for (const auto& l : run.plan().links) keep(lc.reset_link(l.id));
    for (const auto& s : run.plan().segments)
      if (s.carrier != plan::Carrier::kDirect) keep(lc.reset_segment(s.name));
    keep(lc.heal_all());
    if (!first.ok()) return refusal(first.error());
    std::fprintf(stderr, "faultline: fault: cleared everything\n");
    return json{{"ok", true}};
  }
  auto t = parse_target(lc, target);
  if (!t.ok()) return refusal(t.error());
  const Status st = t->kind == Target::kSegment ? lc.reset_segment(t->segment) : lc.reset_link(t->link);
  if (!st.ok()) return refusal(st.error());
  std::fprintf(stderr, "faultline: fault: %s back to its planned impairment\n", target.c_str());
  return json{{"ok", true}};
}

json partition(runtime::LinkControl& lc, const runtime::ControlRequest& req) {
  json ids = json::array();
  std::vector<runtime::PartitionSpec> specs{req.partition};
  if (req.both_ways) {
    auto back = req.partition;
    std::swap(back.from, back.to);
    specs.push_back(back);
  }
  // Both ways is one change: in force both ways, or not at all.
  auto made = lc.partition(specs);
  if (!made.ok()) return refusal(made.error());
  for (size_t i = 0; i < specs.size(); ++i) {
    ids.push_back(made->at(i));
    std::fprintf(stderr, "faultline: fault: partition %u: %s\n", made->at(i), specs[i].describe().c_str());
  }
  return json{{"ok", true}, {"ids", ids}};
}

}  // namespace

json handle_control(runtime::Run& run, NodeFaultBook& nodes, const runtime::ControlRequest& req) {
  using Op = runtime::ControlRequest::Op;
  auto* lc = run.links();
  if (!lc) return refusal("the run's links are not up");
  const std::string& target = req.target;
  switch (req.op) {
    case Op::kPing:
      return json{{"ok", true}, {"run", run.name()}};
    case Op::kList: {
      json out = lc->describe();
      out["nodes"] = nodes.describe();
      out["ok"] = true;
      return out;
    }
    case Op::kStats:
      return json{{"ok", true}, {"engine", lc->engine_stats()}, {"faults", lc->describe()}};
    case Op::kImpair:
      if (target.rfind("node:", 0) == 0) return impair_node(nodes, target.substr(5), req.args);
      return impair_link(*lc, target, req.args);
    case Op::kClear:
      return clear(run, *lc, nodes, target);
    case Op::kPartition:
      return partition(*lc, req);
    case Op::kHeal: {
      const Status st = req.id ? lc->heal(*req.id) : lc->heal_all();
      if (!st.ok()) return refusal(st.error());
      std::fprintf(stderr, "faultline: fault: healed %s\n",
                   req.id ? ("partition " + std::to_string(*req.id)).c_str() : "all");
      return json{{"ok", true}};
    }
  }
  return refusal("unknown request");
}

runtime::ControlServer open_control(const runtime::Run& run) {
  auto server = runtime::ControlServer::listen(runtime::control_socket_path(run.name()));
  if (server.ok()) return std::move(server.value());
  std::fprintf(stderr, "faultline: no control socket (faults cannot be typed): %s\n", server.error().message().c_str());
  return {};
}

int serve_until_stopped(runtime::Run& run, runtime::ControlServer server, std::unique_ptr<OwnerLive> live) {
  const sigset_t sigs = control_signals();
  UniqueFd sfd(::signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK));
  std::map<std::string, uint64_t> ooms;
  NodeFaultBook nodes(run);
  size_t exits_reported = 0;
  for (;;) {
    pollfd fds[2] = {{sfd.get(), POLLIN, 0}, {server.fd(), POLLIN, 0}};
    const int n = ::poll(fds, 2, live ? static_cast<int>(std::min<long>(1000, live->until_tick().count())) : 1000);
    if (n > 0 && (fds[0].revents & POLLIN)) {
      signalfd_siginfo si{};
      if (::read(sfd.get(), &si, sizeof si) == sizeof si) {
        std::fprintf(stderr, "faultline: %s received, taking run %s down\n", strsignal(static_cast<int>(si.ssi_signo)),
                     run.name().c_str());
        break;
      }
    }
    if (n > 0 && server.fd() >= 0 && (fds[1].revents & POLLIN))
      server.serve_pending([&](const runtime::ControlRequest& req) {
        auto reply = handle_control(run, nodes, req);
        if (live) live->note(req, reply);
        return reply;
      });
    if (live) live->tick_if_due();
    run.reap_exited();
    for (; exits_reported < run.exits().size(); ++exits_reported) {
      const auto& e = run.exits()[exits_reported];
      std::fprintf(stderr, "faultline: process %d%s in node %s ended: %s\n", e.id.pid,
                   e.kind.in_parentheses().c_str(), e.node.c_str(),
                   runtime::describe_wait_status(e.status).c_str());
    }
    for (const auto& c : run.plan().cgroups) {
      auto* cg = run.cgroup(c.node);
      if (!cg) continue;
      auto u = cg->usage();
      if (u.ok() && u->oom_kills > ooms[c.node]) {
        std::fprintf(stderr, "faultline: node %s: OOM kill (memory limit reached; %llu so far)\n", c.node.c_str(),
                     static_cast<unsigned long long>(u->oom_kills));
        ooms[c.node] = u->oom_kills;
      }
    }
  }
  live.reset();  // its collector reads the run's nodes
  // Node faults typed at the keyboard are undone before the run goes down.
  if (Status c = nodes.clear_all(); !c.ok())
    std::fprintf(stderr, "faultline: revert node faults: %s\n", c.error().message().c_str());
  const Status st = run.down();
  if (!st.ok()) {
    std::fprintf(stderr, "faultline: teardown: %s\n", st.error().message().c_str());
    return exit_code(Failure::kRuntime);
  }
  return 0;
}

}  // namespace faultline::cli
