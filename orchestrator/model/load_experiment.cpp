// SPDX-License-Identifier: Apache-2.0
// [experiment]: run length, phases, seed, and the address pool.
#include <charconv>
#include <cmath>

#include "orchestrator/model/loader_internal.hpp"
#include "orchestrator/model/names.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::model::detail {
namespace {

using units::format_duration;

constexpr int64_t kMs = 1'000'000, kS = 1'000'000'000;

const std::vector<std::string> kKeys = {"name", "duration",     "seed",    "warmup",       "baseline", "horizon",
                                        "tick", "address_pool", "backend", "metrics_port", "trace_rps", "live_records"};

std::string ipv4(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
         std::to_string(a & 255);
}

struct Cidr {
  uint32_t addr = 0;
  int prefix = 0;
};

Result<Cidr> parse_cidr_syntax(std::string_view s) {
  Cidr c;
  const char* p = s.data();
  const char* end = s.data() + s.size();
  for (int i = 0; i < 4; ++i) {
    unsigned octet = 256;
    auto r = std::from_chars(p, end, octet);
    if (r.ec != std::errc() || octet > 255 || r.ptr == end || *r.ptr != (i < 3 ? '.' : '/'))
      return logic_error(quote(s) + " is not an IPv4 network in CIDR form, e.g. \"10.77.0.0/16\"");
    c.addr = (c.addr << 8) | octet;
    p = r.ptr + 1;
  }
  auto r = std::from_chars(p, end, c.prefix);
  if (r.ec != std::errc() || r.ptr != end)
    return logic_error(quote(s) + " is not an IPv4 network in CIDR form, e.g. \"10.77.0.0/16\"");
  return c;
}

bool within(const Cidr& c, uint32_t net, int prefix) {
  if (c.prefix < prefix) return false;
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return (c.addr & mask) == net;
}

Result<Cidr> parse_pool(std::string_view s) {
  auto c = parse_cidr_syntax(s);
  if (!c.ok()) return c;
  const Cidr v = c.value();
  if (v.prefix < 8 || v.prefix > 30)
    return logic_error(quote(s) + ": prefix /" + std::to_string(v.prefix) + " is out of range; allowed: /8 to /30");
  const uint32_t host_mask = (uint32_t{1} << (32 - v.prefix)) - 1;
  if (v.addr & host_mask)
    return logic_error(quote(s) + " has host bits set; did you mean \"" + ipv4(v.addr & ~host_mask) + "/" +
                       std::to_string(v.prefix) + "\"?");
  if (!within(v, 10u << 24, 8) && !within(v, (172u << 24) | (16u << 16), 12) &&
      !within(v, (192u << 24) | (168u << 16), 16))
    return logic_error(quote(s) +
                       " is not inside a private range; allowed: inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 "
                       "(RFC 1918)");
  return v;
}

void read_pool(Table& t, Experiment& e) {
  auto s = t.string("address_pool");
  if (!s) return;
  auto c = parse_pool(*s);
  if (!c.ok()) return t.fail("address_pool", c.error().context);
  e.pool_addr = c.value().addr;
  e.pool_prefix = static_cast<uint8_t>(c.value().prefix);
}

void read_times(Table& t, Experiment& e) {
  if (auto v = t.duration("duration")) {
    if (*v == 0)
      t.fail("duration", "must be more than 0");
    else
      e.duration_ns = *v;
  }
  if (auto v = t.duration("warmup")) e.warmup_ns = *v;
  if (auto v = t.duration("baseline")) e.baseline_ns = *v;
  if (auto v = t.duration("horizon")) {
    if (*v == 0)
      t.fail("horizon", "must be more than 0");
    else
      e.horizon_ns = *v;
  }
  if (auto v = t.duration("tick")) {
    if (*v < 100 * kMs || *v > 60 * kS)
      t.fail("tick", format_duration(*v) + " is out of range; allowed: 100ms to 60s");
    else
      e.tick_ns = *v;
  }
  if (auto v = t.duration("live_records")) {
    if (*v < 10 * kS || *v > 24 * 3600 * kS)
      t.fail("live_records", format_duration(*v) + " is out of range; allowed: 10s to 24h");
    else
      e.live_records_ns = *v;
  }
}

// The baseline is the yardstick of every verdict: it needs a sample, and the
// run needs time after it for the faults.
void check_phases(Table& t, LoadState& s) {
  const Experiment& e = s.topo.experiment;
  s.phases_ok = !t.bad("duration") && !t.bad("warmup") && !t.bad("baseline") && !t.bad("tick");
  if (!s.phases_ok) return;
  if (e.baseline_ns < e.tick_ns) {
    const std::string key = t.has("baseline") ? "baseline" : "tick";
    t.fail(key, "the baseline (" + format_duration(e.baseline_ns) + ") is shorter than one tick (" +
                    format_duration(e.tick_ns) + "), so it would have no sample; allowed: baseline >= tick");
    s.phases_ok = false;
    return;
  }
  if (e.warmup_ns + e.baseline_ns >= e.duration_ns) {
    const std::string msg = "the run (" + format_duration(e.duration_ns) + ") ends before warmup (" +
                            format_duration(e.warmup_ns) + ") and baseline (" + format_duration(e.baseline_ns) +
                            ") are over; allowed: duration > warmup + baseline";
    if (t.has("duration"))
      t.fail("duration", msg);
    else
      s.d.error(t.loc(), "duration: " + msg);
    s.phases_ok = false;
  }
}

void read_fields(Table& t, Experiment& e) {
  if (auto v = t.string("name")) {
    if (auto bad = check_experiment_name(*v))
      t.fail("name", *bad);
    else
      e.name = *v;
  }
  if (auto v = t.integer("seed", 0, INT64_MAX)) e.seed = static_cast<uint64_t>(*v);
  if (auto v = read_backend(t)) e.backend = *v;
  if (auto v = t.integer("metrics_port", 1, 65535)) e.metrics_port = static_cast<uint16_t>(*v);
  if (auto v = t.number("trace_rps")) {
    if (*v < 0 || !std::isfinite(*v))
      t.fail("trace_rps", format_number(*v) + " is out of range; allowed: 0 (trace every request) or more");
    else
      e.trace_rps = *v;
  }
}

}  // namespace

std::optional<Backend> read_backend(Table& t) {
  auto v = t.choice("backend", {"auto", "kernel", "userspace"});
  if (!v) return std::nullopt;
  if (*v == "kernel") return Backend::kKernel;
  if (*v == "userspace") return Backend::kUserspace;
  return Backend::kAuto;
}

void read_experiment(Table& top, LoadState& s) {
  Experiment& e = s.topo.experiment;
  e.loc = top.loc();
  s.pool_loc = e.loc;
  const toml::table* raw = top.table("experiment");
  if (!raw) {
    s.phases_ok = !top.bad("experiment");
    return;
  }
  Table t(s.d, *raw, "[experiment]", kKeys);
  e.loc = t.loc();
  s.pool_loc = t.loc("address_pool");
  read_fields(t, e);
  read_times(t, e);
  read_pool(t, e);
  s.pool_ok = !t.bad("address_pool");
  check_phases(t, s);
}

}  // namespace faultline::model::detail
