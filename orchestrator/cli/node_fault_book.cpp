// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/cli/node_fault_book.hpp"

#include <algorithm>
#include <cmath>

#include "orchestrator/model/node_fault_actions.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::cli {

namespace {

using Action = model::Fault::Action;

Result<uint32_t> parse_cores(const std::string& key, const std::string& v) {
  size_t used = 0;
  double cores = 0;
  try {
    cores = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != v.size()) return logic_error(key + "=" + v + ": expected cores, e.g. " + key + "=0.25");
  auto m = model::units::cores_to_millicores(cores);
  if (!m.ok()) return wrap(m.error(), key);
  return m.value();
}

Result<uint64_t> parse_size(const std::string& key, const std::string& v, uint64_t min) {
  auto b = model::units::parse_bytes(v);
  if (!b.ok()) return wrap(b.error(), key);
  if (b.value() < min)
    return logic_error(key + "=" + v + ": too small; allowed: at least " + model::units::format_bytes(min));
  return b.value();
}

const char* kAllowed = "cpu=CORES, memory=SIZE, pause, kill, restart, partition, cpu-hog=CORES, memory-hog=SIZE";

}  // namespace

Result<model::Fault> parse_node_fault(const std::string& node, const std::vector<std::string>& args) {
  model::Fault f;
  f.target.kind = model::FaultTarget::Kind::kNode;
  f.target.node = model::NodeId{node};  // the run refuses a node it does not have
  if (args.empty()) return logic_error(std::string("what should happen to node ") + node + "? allowed: " + kAllowed);
  auto set_action = [&](Action a, const std::string& word) -> Status {
    if (f.action != Action::kNone) return logic_error("one action at a time (" + word + " and another)");
    f.action = a;
    return {};
  };
  for (const auto& a : args) {
    const auto eq = a.find('=');
    const std::string key = a.substr(0, eq), val = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (eq != std::string::npos && val.empty()) return logic_error(a + ": no value");
    if (key == "cpu" && eq != std::string::npos) {
      auto m = parse_cores(key, val);
      if (!m.ok()) return m.error();
      f.cpu_millicores = m.value();
    } else if (key == "memory" && eq != std::string::npos) {
      auto b = parse_size(key, val, model::kMinMemoryLimit);  // as the loader's
      if (!b.ok()) return b.error();
      f.memory_bytes = b.value();
    } else if (key == "cpu-hog" && eq != std::string::npos) {
      auto m = parse_cores(key, val);
      if (!m.ok()) return m.error();
      FL_TRY(set_action(Action::kCpuHog, a));
      f.hog_millicores = m.value();
    } else if (key == "memory-hog" && eq != std::string::npos) {
      auto b = parse_size(key, val, 1);
      if (!b.ok()) return b.error();
      FL_TRY(set_action(Action::kMemoryHog, a));
      f.hog_bytes = b.value();
    } else if (const auto act = model::node_fault_action(a);
               eq == std::string::npos && act && *act != Action::kCpuHog && *act != Action::kMemoryHog) {
      FL_TRY(set_action(*act, a));  // the hogs take a size: cpu-hog=CORES, memory-hog=SIZE
    } else {
      return logic_error("'" + a + "' is not a node fault; allowed: " + kAllowed);
    }
  }
  // As the loader says of [[fault]]: a stopped node has no limits to cut.
  if (model::stops_node(f.action) && (f.cpu_millicores || f.memory_bytes))
    return logic_error("pause, kill and restart stop the node: give cpu or memory in a fault of their own");
  return f;
}

Result<std::vector<std::string>> NodeFaultBook::apply(const model::Fault& f) {
  auto& held = held_[f.target.node];
  // The kinds the new fault sets; held faults of those kinds are replaced.
  std::vector<runtime::NodeFaultKind> kinds;
  if (f.cpu_millicores) kinds.push_back(runtime::NodeFaultKind::kCpu);
  if (f.memory_bytes) kinds.push_back(runtime::NodeFaultKind::kMemory);
  switch (f.action) {
    case Action::kPause: kinds.push_back(runtime::NodeFaultKind::kPause); break;
    case Action::kKill: kinds.push_back(runtime::NodeFaultKind::kKill); break;
    case Action::kCpuHog: kinds.push_back(runtime::NodeFaultKind::kCpuHog); break;
    case Action::kMemoryHog: kinds.push_back(runtime::NodeFaultKind::kMemoryHog); break;
    case Action::kPartition: kinds.push_back(runtime::NodeFaultKind::kPartition); break;
    case Action::kRestart:
      // A restart of a killed node is its revert: let go of the kill.
      kinds.push_back(runtime::NodeFaultKind::kKill);
      break;
    case Action::kNone: break;
  }
  for (auto it = held.begin(); it != held.end();) {
    if (std::find(kinds.begin(), kinds.end(), it->kind()) == kinds.end()) {
      ++it;
      continue;
    }
    const bool was_kill = it->kind() == runtime::NodeFaultKind::kKill;
    // A killed node that is restarted starts once, from restart_node below.
    if (was_kill && f.action == Action::kRestart) it->release();
    const Status st = it->revert();
    it = held.erase(it);
    if (!st.ok()) return wrap(st.error(), "revert the fault it replaces");
  }
  auto applied = runtime::apply_node_fault(run_, f);
  if (!applied.ok()) return applied.error();
  std::vector<std::string> what;
  for (auto& a : applied.value()) {
    what.push_back(a.describe());
    held.push_back(std::move(a));
  }
  if (f.action == Action::kRestart) what.push_back("restart " + f.target.node);
  if (held.empty()) held_.erase(f.target.node);
  return what;
}

Status NodeFaultBook::clear(const std::string& node) {
  Status first;
  for (auto it = held_.begin(); it != held_.end();) {
    if (!node.empty() && node != "all" && it->first != node) {
      ++it;
      continue;
    }
    // Reverse order: the last applied is undone first.
    for (auto f = it->second.rbegin(); f != it->second.rend(); ++f) {
      const Status st = f->revert();
      if (!st.ok() && first.ok()) first = st;
    }
    it = held_.erase(it);
  }
  return first;
}

nlohmann::json NodeFaultBook::describe() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [node, faults] : held_) {
    auto& list = out[node] = nlohmann::json::array();
    for (const auto& f : faults) list.push_back(f.describe());
  }
  return out;
}

}  // namespace faultline::cli
