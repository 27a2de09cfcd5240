// SPDX-License-Identifier: Apache-2.0
// What the request records show beyond health: how much was recorded (the
// basis of the verdicts), the traces of the first requests that failed (the
// report's waterfall: which attempt at which tier timed out, was shed or
// refused), and the whole run as OTLP/JSON (the OpenTelemetry protocol's
// JSON encoding of an ExportTraceServiceRequest), which Jaeger and Grafana
// Tempo load.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "orchestrator/experiment/records.hpp"
#include "orchestrator/model/topology.hpp"

namespace faultline::experiment {

// "node:port" -> the service listening there: what a call's span names.
using ServiceAddresses = std::map<std::string, std::string>;
ServiceAddresses service_addresses(const model::Topology& topo);
// The same from a summary.json (its topology.services).
ServiceAddresses service_addresses(const nlohmann::json& summary);

// {"spans", "open", "dropped", "unsampled", "ended", "complete", "sources": {name: {...}}}:
// complete is true when every span of every request was recorded. `ended`
// counts, per source, the processes of its node that ended during the run
// (killed, restarted, crashed): what a workload recorded since its last pull
// and the requests it had in flight go with it, so the records are then
// not complete.
nlohmann::json records_summary(const std::map<std::string, RecordSource>& records,
                               const std::map<std::string, uint64_t>& ended = {});

// Up to `max` traces of organic requests (the load generators' root calls)
// that failed, the earliest first among those sent at or after from_s: each
// {"trace_id", "source", "start_s", "cause", "spans": [...]} with every span
// of the trace from every workload, times in seconds since t0_ns.
nlohmann::json first_failed_traces(const std::map<std::string, RecordSource>& records, const ServiceAddresses& at,
                                   int64_t t0_ns, double from_s, size_t max = 3);

// The clock of a run: its start on CLOCK_MONOTONIC (the spans' clock) and
// on CLOCK_REALTIME (OTLP's), read together.
struct RunClock {
  int64_t t0_monotonic_ns = 0;
  int64_t t0_unix_ns = 0;
};
RunClock read_run_clock(int64_t t0_monotonic_ns);

// Every completed span as OTLP/JSON: one resourceSpans per workload
// (service.name: the service, or "load:<node>"), span kinds SERVER
// (requests), INTERNAL (calls), CLIENT (attempts); ids as lowercase hex,
// times as decimal strings of Unix nanoseconds, status ERROR with the cause
// as its message for failures. Spans from from_s to to_s only (seconds
// since the start; nullopt: all).
// experiment: the service.namespace of every resource.
nlohmann::json otlp_json(const std::map<std::string, RecordSource>& records, const ServiceAddresses& at,
                         const std::string& experiment, const RunClock& clock,
                         std::optional<double> from_s = std::nullopt, std::optional<double> to_s = std::nullopt);

}  // namespace faultline::experiment
