// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/config.hpp"

#include <cstdio>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>

#include "base/atomic_file.hpp"
#include "base/file.hpp"
#include "netem/engine/impairment_json.hpp"

namespace faultline::netem::engine {

using nlohmann::json;

namespace {

Status only_keys(const json& j, std::initializer_list<const char*> keys, const std::string& where) {
  if (!j.is_object()) return logic_error(where + " must be an object");
  for (const auto& [k, v] : j.items()) {
    bool ok = false;
    for (const char* n : keys) ok = ok || k == n;
    if (!ok) return logic_error(where + ": unknown key '" + k + "'");
  }
  return {};
}

Result<std::string> get_string(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get<std::string>().empty())
    return logic_error(where + ": '" + key + "' must be a non-empty string");
  return it->get<std::string>();
}

Result<Impairment> get_impairment(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) return Impairment{};
  auto imp = impairment_from_json(*it);
  if (!imp.ok()) return wrap(imp.error(), where + "." + key);
  return imp;
}

template <class T>
Status get_uint(const json& j, const char* key, T& out, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (!it->is_number_unsigned() || it->get<uint64_t>() > std::numeric_limits<T>::max())
    return logic_error(where + ": '" + key + "' must be a non-negative integer in range");
  out = static_cast<T>(it->get<uint64_t>());
  return {};
}

}  // namespace

Result<EngineConfig> parse_config(const json& j) {
  FL_TRY(only_keys(j, {"seed", "control", "links", "segments", "tuning"}, "config"));
  EngineConfig c;
  FL_TRY(get_uint(j, "seed", c.seed, "config"));
  if (auto it = j.find("control"); it != j.end()) {
    if (!it->is_string()) return logic_error("config: 'control' must be a string");
    c.control = it->get<std::string>();
  }
  std::set<std::string> names, ports;
  auto claim_port = [&](const std::string& p, const std::string& where) -> Status {
    if (!ports.insert(p).second) return logic_error(where + ": port '" + p + "' is used twice");
    return {};
  };

  if (auto it = j.find("links"); it != j.end()) {
    if (!it->is_array()) return logic_error("config: 'links' must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& l = (*it)[i];
      const std::string where = "links[" + std::to_string(i) + "]";
      FL_TRY(only_keys(l, {"name", "a_port", "b_port", "a_to_b", "b_to_a"}, where));
      LinkConfig lc;
      auto name = get_string(l, "name", where);
      auto a = get_string(l, "a_port", where);
      auto b = get_string(l, "b_port", where);
      if (!name.ok()) return name.error();
      if (!a.ok()) return a.error();
      if (!b.ok()) return b.error();
      lc.name = *name;
      lc.a_port = *a;
      lc.b_port = *b;
      if (!names.insert(lc.name).second) return logic_error(where + ": name '" + lc.name + "' is used twice");
      FL_TRY(claim_port(lc.a_port, where));
      FL_TRY(claim_port(lc.b_port, where));
      auto ab = get_impairment(l, "a_to_b", where);
      auto ba = get_impairment(l, "b_to_a", where);
      if (!ab.ok()) return ab.error();
      if (!ba.ok()) return ba.error();
      lc.a_to_b = *ab;
      lc.b_to_a = *ba;
      c.links.push_back(std::move(lc));
    }
  }

  if (auto it = j.find("segments"); it != j.end()) {
    if (!it->is_array()) return logic_error("config: 'segments' must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& s = (*it)[i];
      const std::string where = "segments[" + std::to_string(i) + "]";
      FL_TRY(only_keys(s, {"name", "ports", "impairment"}, where));
      SegmentConfig sc;
      auto name = get_string(s, "name", where);
      if (!name.ok()) return name.error();
      sc.name = *name;
      if (!names.insert(sc.name).second) return logic_error(where + ": name '" + sc.name + "' is used twice");
      auto pit = s.find("ports");
      if (pit == s.end() || !pit->is_array() || pit->size() < 2)
        return logic_error(where + ": 'ports' must be an array of at least two port names");
      for (const auto& p : *pit) {
        if (!p.is_string() || p.get<std::string>().empty()) return logic_error(where + ": port names must be strings");
        FL_TRY(claim_port(p.get<std::string>(), where));
        sc.ports.push_back(p.get<std::string>());
      }
      auto imp = get_impairment(s, "impairment", where);
      if (!imp.ok()) return imp.error();
      sc.impairment = *imp;
      c.segments.push_back(std::move(sc));
    }
  }
  if (c.links.empty() && c.segments.empty()) return logic_error("config: no links and no segments");

  if (auto it = j.find("tuning"); it != j.end()) {
    FL_TRY(only_keys(*it,
                     {"spin_ns", "spin_max_ns", "rx_poll_ns", "ring_frames", "pool_packets", "rx_ring",
                      "v3_block_timeout_ms"},
                     "tuning"));
    FL_TRY(get_uint(*it, "spin_ns", c.tuning.spin_ns, "tuning"));
    FL_TRY(get_uint(*it, "spin_max_ns", c.tuning.spin_max_ns, "tuning"));
    FL_TRY(get_uint(*it, "rx_poll_ns", c.tuning.rx_poll_ns, "tuning"));
    if (it->contains("spin_ns") && !it->contains("spin_max_ns")) c.tuning.spin_max_ns = c.tuning.spin_ns;
    FL_TRY(get_uint(*it, "ring_frames", c.tuning.ring_frames, "tuning"));
    FL_TRY(get_uint(*it, "pool_packets", c.tuning.pool_packets, "tuning"));
    FL_TRY(get_uint(*it, "v3_block_timeout_ms", c.tuning.v3_block_timeout_ms, "tuning"));
    if (auto r = it->find("rx_ring"); r != it->end()) {
      if (*r == "v2") c.tuning.rx_ring = RingVersion::kV2;
      else if (*r == "v3") c.tuning.rx_ring = RingVersion::kV3;
      else return logic_error("tuning: 'rx_ring' must be \"v2\" or \"v3\"");
    }
    if (c.tuning.spin_max_ns < c.tuning.spin_ns) return logic_error("tuning: 'spin_max_ns' below 'spin_ns'");
    if (c.tuning.ring_frames < 16) return logic_error("tuning: 'ring_frames' must be at least 16");
    if (c.tuning.pool_packets < 64) return logic_error("tuning: 'pool_packets' must be at least 64");
    if (c.tuning.v3_block_timeout_ms < 1) return logic_error("tuning: 'v3_block_timeout_ms' must be at least 1");
  }
  return c;
}

Result<EngineConfig> load_config(const std::string& path) {
  auto text = read_file(path);
  if (!text.ok()) return sys_error(text.error().err, "open config " + path);
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return logic_error("config " + path + ": not valid JSON");
  auto c = parse_config(j);
  if (!c.ok()) return wrap(c.error(), "config " + path);
  return c;
}

json config_to_json(const EngineConfig& c) {
  json links = json::array(), segs = json::array();
  for (const auto& l : c.links)
    links.push_back({{"name", l.name}, {"a_port", l.a_port}, {"b_port", l.b_port}, {"a_to_b", l.a_to_b}, {"b_to_a", l.b_to_a}});
  for (const auto& s : c.segments) segs.push_back({{"name", s.name}, {"ports", s.ports}, {"impairment", s.impairment}});
  const Tuning& t = c.tuning;
  return json{{"seed", c.seed},
              {"control", c.control},
              {"links", links},
              {"segments", segs},
              {"tuning",
               {{"spin_ns", t.spin_ns},
                {"spin_max_ns", t.spin_max_ns},
                {"rx_poll_ns", t.rx_poll_ns},
                {"ring_frames", t.ring_frames},
                {"pool_packets", t.pool_packets},
                {"rx_ring", t.rx_ring == RingVersion::kV2 ? "v2" : "v3"},
                {"v3_block_timeout_ms", t.v3_block_timeout_ms}}}};
}

Status write_config(const EngineConfig& c, const std::string& path) {
  return write_file_atomic(path, config_to_json(c).dump(2) + "\n");
}

}  // namespace faultline::netem::engine
