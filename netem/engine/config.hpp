// SPDX-License-Identifier: Apache-2.0
// The engine's configuration file (JSON):
//   {"seed": 7, "control": "/run/faultline/RUN/engine.sock",
//    "links": [{"name": "api-db", "a_port": "l0a", "b_port": "l0b",
//               "a_to_b": IMP, "b_to_a": IMP}],
//    "segments": [{"name": "lan", "ports": ["s0m0", "s0m1"], "impairment": IMP}],
//    "tuning": {"spin_ns": 20000, "spin_max_ns": 1000000, "rx_poll_ns": 0,
//               "ring_frames": 1024, "pool_packets": 65536, "rx_ring": "v2",
//               "v3_block_timeout_ms": 1}}
// IMP is the JSON form of netem::Impairment (impairment_json.hpp); missing
// impairments and tuning keys take their defaults.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "netem/engine/ring_version.hpp"
#include "netem/impairment.hpp"

namespace faultline::netem::engine {

struct LinkConfig {
  std::string name;
  std::string a_port, b_port;
  Impairment a_to_b, b_to_a;
};

struct SegmentConfig {
  std::string name;
  std::vector<std::string> ports;
  Impairment impairment;
};

struct Tuning {
  // Wake this long before a release is due and spin the rest: a timer
  // wake-up is late by a few microseconds on bare metal and by tens to
  // hundreds (at times milliseconds) on a VM whose idle vCPU the hypervisor
  // parks, while a spin is exact. The margin adapts between spin_ns and
  // spin_max_ns to the lateness the engine sees (about the 99th percentile of
  // its last 128 timer wake-ups) but never beyond half the average gap
  // between releases: a real-time engine must sleep a share of its time
  // (rt_guard.hpp), and sleeping between releases costs no precision while
  // forced sleeps do. Equal values fix it.
  int64_t spin_ns = 20'000;
  int64_t spin_max_ns = 1'000'000;
  // After receiving, keep polling the rings this long before sleeping, so
  // steady traffic does not pay a sleep and wake-up per packet. Off by
  // default: measured, it bought no throughput, and the spinning ate the
  // share of time a real-time engine must sleep (rt_guard.hpp), which then
  // came back as forced sleeps and late releases at 50k packets/s.
  int64_t rx_poll_ns = 0;
  uint32_t ring_frames = 1024;     // per port
  uint32_t pool_packets = 65536;   // every frame held by the engine at once
  RingVersion rx_ring = RingVersion::kV2;
  uint32_t v3_block_timeout_ms = 1;
};

struct EngineConfig {
  uint64_t seed = 0;
  std::string control;  // control socket path; empty: no control socket
  std::vector<LinkConfig> links;
  std::vector<SegmentConfig> segments;
  Tuning tuning;
};

Result<EngineConfig> parse_config(const nlohmann::json& j);
Result<EngineConfig> load_config(const std::string& path);

// The file form of a config (what the orchestrator writes for the engine).
nlohmann::json config_to_json(const EngineConfig& c);
// Writes it to path (via a temporary file and rename, so the engine never
// reads half a file).
Status write_config(const EngineConfig& c, const std::string& path);

}  // namespace faultline::netem::engine
