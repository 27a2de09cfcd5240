// SPDX-License-Identifier: Apache-2.0
// The names of the recorded series, as timeseries.csv, summary.json and
// [[expect.check]] write them: one place for every part that records, looks
// up or checks a series (the collector, the totals, the expectations, the
// results, the loader's list of what a check may name).
#pragma once

#include <string>
#include <string_view>

namespace faultline::model::series {

// Per service (and per load generator, and for the whole system).
inline constexpr const char* kOfferedRps = "offered_rps";
inline constexpr const char* kGoodputRps = "goodput_rps";
inline constexpr const char* kAttemptsRps = "attempts_rps";
inline constexpr const char* kErrorsRps = "errors_rps";
inline constexpr const char* kRequestsRps = "requests_rps";
inline constexpr const char* kCallsRps = "calls_rps";
inline constexpr const char* kP50 = "p50_s";
inline constexpr const char* kP99 = "p99_s";
inline constexpr const char* kQueueDepth = "queue_depth";
inline constexpr const char* kInflight = "inflight";
inline constexpr const char* kShedRps = "shed_rps";
inline constexpr const char* kBreakerOpen = "breaker_open";
inline constexpr const char* kRetriesRefusedRps = "retries_refused_rps";
inline constexpr const char* kUp = "up";
// Per node (its cgroup), and the host.
inline constexpr const char* kCpuCores = "cpu_cores";
inline constexpr const char* kCpuThrottled = "cpu_throttled_s";
inline constexpr const char* kMemoryBytes = "memory_bytes";
inline constexpr const char* kOomKills = "oom_kills";
inline constexpr const char* kHostCpuCores = "host_cpu_cores";
// Per node, from the flow view's scheduler tracepoints (docs/flow.md): how
// long the node's runnable tasks waited for a CPU (throttled time included).
inline constexpr const char* kRunqDelay = "runq_delay_s";       // mean per wait in the tick
inline constexpr const char* kRunqP99 = "runq_p99_s";           // of the waits that ended in the tick
inline constexpr const char* kRunqWaitShare = "runq_wait_share";  // seconds waited per second

// The flow view per node pair (node column kFlowNode, service "A->B"):
// rates per second over the tick, and the senders' mean smoothed RTT.
inline constexpr const char* kFlowNode = "flow";
inline constexpr const char* kFlowPackets = "flow_pps";
inline constexpr const char* kFlowMbps = "flow_mbps";
inline constexpr const char* kFlowDrops = "drops_pps";
inline constexpr const char* kFlowRetransmits = "retransmits_ps";
inline constexpr const char* kFlowResetsSent = "resets_sent_ps";
inline constexpr const char* kFlowResetsReceived = "resets_received_ps";
inline constexpr const char* kFlowConnects = "connects_ps";
inline constexpr const char* kFlowConnectsFailed = "connects_failed_ps";
inline constexpr const char* kFlowSrtt = "srtt_s";
// Drops for one kernel reason: "drops_<reason in lower case>_pps".
inline std::string flow_drop_reason(std::string reason) {
  for (char& ch : reason) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  return "drops_" + reason + "_pps";
}

// The service column of the whole system's rows (their node column is empty).
inline constexpr const char* kSystem = "system";
// The node column of the host's rows.
inline constexpr const char* kHost = "host";

// A load generator stands where a service would, named after its node.
inline constexpr std::string_view kLoadPrefix = "load:";
inline std::string load_name(const std::string& node) { return std::string(kLoadPrefix) + node; }
inline bool is_load(std::string_view name) { return name.substr(0, kLoadPrefix.size()) == kLoadPrefix; }

}  // namespace faultline::model::series
