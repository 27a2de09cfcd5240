// SPDX-License-Identifier: Apache-2.0
// node.load: a load generator's target, request mix, rate and its schedule,
// its client policy (as a call's) and the port of its /metrics.
#include <algorithm>

#include "orchestrator/model/loader_internal.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::model::detail {
namespace {

const std::vector<std::string> kLoadKeys = {"target",  "path",    "mix",     "rate",   "arrival",
                                            "schedule", "timeout", "retries", "backoff", "budget",
                                            "budget_min", "throttle", "connections", "metrics_port"};
const std::vector<std::string> kMixKeys = {"path", "weight"};
const std::vector<std::string> kStepKeys = {"at", "rate", "ramp", "spike"};
constexpr int64_t kMaxWeight = 1'000'000;

// Requests per second: more than 0 (or from 0, where a pause is meant) up to kMaxRate.
void read_rate(Table& t, const std::string& key, double& out, bool zero_ok) {
  auto v = t.number(key);
  if (!v) return;
  const bool low = zero_ok ? *v < 0 : !(*v > 0);
  if (low || *v > kMaxRate)
    return t.fail(key, format_number(*v) + " is out of range; allowed: " + (zero_ok ? "0" : "more than 0") +
                           " up to 10000000 requests per second");
  out = *v;
}

// `path` alone is a mix of one.
void read_single_path(Table& t, const EndpointRef* target, Load& l, std::vector<PathRef>& paths, bool& paths_ok) {
  RequestKind k;
  read_path(t, k.path);
  l.mix = {k};
  if (t.bad("path"))
    paths_ok = false;
  else if (t.has("path"))
    paths.push_back(PathRef{k.path, t.loc("path"), "path"});
  else if (target)
    paths.push_back(PathRef{k.path, target->at, target->key});
}

void read_mix(Table& t, Load& l, std::vector<PathRef>& paths, bool& paths_ok) {
  const auto kinds = t.tables("mix");
  if (t.bad("mix")) paths_ok = false;
  if (kinds.empty() && !t.bad("mix")) {
    paths_ok = false;
    return t.fail("mix", "is empty; leave it out to send every request to `path` (default \"/\")");
  }
  std::map<std::string, SourceLoc> seen;
  for (const auto* raw : kinds) {
    Table m(t.diag(), *raw, "mix", kMixKeys);
    RequestKind k;
    if (m.require("path", "the HTTP path of this kind of request, e.g. \"/search\"")) read_path(m, k.path);
    if (auto w = m.integer("weight", 1, kMaxWeight)) k.weight = static_cast<uint32_t>(*w);
    if (!m.ok("path")) {
      paths_ok = false;
      continue;
    }
    auto [it, inserted] = seen.emplace(k.path, m.loc("path"));
    if (!inserted) {
      paths_ok = false;
      m.fail("path", quote(k.path) + " is already in the mix at " + it->second.str() +
                         "; list each path once and give it the sum of the weights");
      continue;
    }
    paths.push_back(PathRef{k.path, m.loc("path"), "path"});
    l.mix.push_back(k);
  }
}

// What the next step may not start before: after the previous one, and not
// inside its ramp or spike.
struct StepFloor {
  bool known = false;
  int64_t after_ns = 0;   // strictly after this (the previous at)
  int64_t from_ns = 0;    // and at or after this (the previous at + ramp or spike)
  std::string what;       // "ramp" / "spike"
};

void check_step_time(Table& st, int64_t at, const StepFloor& floor, const LoadState& s) {
  using units::format_duration;
  if (floor.known && at <= floor.after_ns)
    return st.fail("at", format_duration(at) + " is not after the previous step's (" + format_duration(floor.after_ns) +
                             "); steps are listed in time order, each later than the one before");
  if (floor.known && at < floor.from_ns)
    return st.fail("at", format_duration(at) + " falls inside the previous step's " + floor.what + " (" +
                             format_duration(floor.after_ns) + " to " + format_duration(floor.from_ns) +
                             "); allowed: from " + format_duration(floor.from_ns));
  const int64_t end = s.topo.experiment.duration_ns;
  if (s.phases_ok && at >= end)
    st.fail("at", format_duration(at) + " is not before the end of the run (experiment.duration = " +
                      format_duration(end) + ")");
}

void read_step_shape(Table& st, RateStep& r) {
  if (st.has("ramp") && st.has("spike"))
    return st.fail("spike", "a step is a jump (neither), a ramp or a spike, not both ramp and spike");
  for (const char* key : {"ramp", "spike"}) {
    auto v = st.duration(key);
    if (!v) continue;
    if (*v == 0) return st.fail(key, "must be more than 0; for a jump to the rate leave it out");
    r.kind = std::string(key) == "ramp" ? RateStep::Kind::kRamp : RateStep::Kind::kSpike;
    r.for_ns = *v;
  }
}

void read_schedule(Table& t, Load& l, const LoadState& s) {
  const auto steps = t.tables("schedule");
  if (t.has("schedule") && !t.bad("schedule") && steps.empty())
    return t.fail("schedule", "is empty; leave it out for a constant rate");
  StepFloor floor;
  for (const auto* raw : steps) {
    Table st(t.diag(), *raw, "schedule step", kStepKeys);
    RateStep r;
    if (st.require("rate", "requests per second from then on, e.g. 800")) read_rate(st, "rate", r.rate, true);
    read_step_shape(st, r);
    std::optional<int64_t> at;
    if (st.require("at", "when the step starts, counted from the load generator's start, e.g. \"10s\""))
      at = st.duration("at");
    if (at) {
      check_step_time(st, *at, floor, s);
      r.at_ns = *at;
    }
    const bool shape_ok = !st.bad("ramp") && !st.bad("spike");
    floor = StepFloor{at.has_value() && !st.bad("at") && shape_ok, r.at_ns, r.at_ns + r.for_ns,
                      r.kind == RateStep::Kind::kRamp ? "ramp" : "spike"};
    l.schedule.push_back(r);
  }
}

// The load generator serves /metrics on its node: not on a service's port.
void read_metrics_port(Table& t, const std::string& node, Load& l, const std::map<uint16_t, SourceLoc>& ports,
                       const LoadState& s) {
  if (auto v = t.integer("metrics_port", 1, 65535)) l.metrics_port = static_cast<uint16_t>(*v);
  if (t.bad("metrics_port")) return;
  auto it = ports.find(l.metrics_port);
  if (it == ports.end()) return;
  auto svc = s.service_paths.find({node, l.metrics_port});
  const std::string who = svc == s.service_paths.end() ? "a service" : "service '" + svc->second.service + "'";
  const std::string msg = std::to_string(l.metrics_port) + (t.has("metrics_port") ? "" : " (the default)") +
                          " is the port of " + who + " of this node (at " + it->second.str() +
                          "); the load generator serves /metrics on it: set metrics_port to a free port";
  if (t.has("metrics_port"))
    t.fail("metrics_port", msg);
  else
    t.diag().error(t.loc(), "metrics_port: " + msg);
}

}  // namespace

Load read_load(Diagnostics& d, const toml::table& raw, const std::string& node,
               const std::map<uint16_t, SourceLoc>& ports, LoadState& s) {
  Table t(d, raw, "load", kLoadKeys);
  Load l;
  l.loc = t.loc();
  auto ref = read_endpoint(t, "target", node);
  std::vector<PathRef> paths;
  bool paths_ok = true;
  if (t.has("mix") && t.has("path")) {
    paths_ok = false;
    t.fail("mix", "a load sends either one path (`path`) or a mix of them (`mix`), not both; put the path into the "
                  "mix");
  } else if (t.has("mix")) {
    read_mix(t, l, paths, paths_ok);
  } else {
    read_single_path(t, ref ? &*ref : nullptr, l, paths, paths_ok);
  }
  read_schedule(t, l, s);
  // A schedule may start from nothing: rate = 0, then a ramp.
  if (t.require("rate", "requests per second, e.g. 100")) read_rate(t, "rate", l.rate, t.has("schedule"));
  if (auto v = t.choice("arrival", {"poisson", "constant"}))
    l.arrival = *v == "constant" ? Load::Arrival::kConstant : Load::Arrival::kPoisson;
  read_client_policy(t, l);
  if (auto v = t.integer("connections", 1, kMaxWorkers)) l.connections = static_cast<uint32_t>(*v);
  read_metrics_port(t, node, l, ports, s);
  if (ref) {
    l.target_node = ref->to_node;
    l.target_port = ref->port;
    if (paths_ok) ref->paths = std::move(paths);
    s.refs.push_back(*ref);
  }
  return l;
}

}  // namespace faultline::model::detail
