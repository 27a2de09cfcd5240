// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/flow_counters.hpp"

#include "ebpf/flow_loader.hpp"
#include "orchestrator/measure/flow_pairs.hpp"
#include "orchestrator/model/series_names.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::experiment {

namespace series = model::series;

namespace {
constexpr double kBitsPerMbit = 1e6;
// The two raw counters the RTT is made of; no series of their own.
constexpr const char* kSrttSum = "srtt_us_sum";
constexpr const char* kSrttSamples = "srtt_samples";
}  // namespace

std::map<FlowCounters::Key, double> FlowCounters::read() const {
  std::map<Key, double> c;
  const auto* m = run_.flows();
  if (!m) return c;
  auto snap = m->read();
  if (!snap.ok()) return c;
  for (const auto& [pair, f] : measure::flow_pairs(run_.plan(), run_.flow_nodes(), snap.value())) {
    const std::string dir = pair.first + "->" + pair.second;
    const auto& k = f.counters;
    c[{dir, series::kFlowPackets}] = static_cast<double>(k.packets);
    c[{dir, series::kFlowMbps}] = static_cast<double>(k.bytes) * 8 / kBitsPerMbit;
    c[{dir, series::kFlowDrops}] = static_cast<double>(k.drops);
    c[{dir, series::kFlowRetransmits}] = static_cast<double>(k.retransmits);
    c[{dir, series::kFlowResetsSent}] = static_cast<double>(k.resets_sent);
    c[{dir, series::kFlowResetsReceived}] = static_cast<double>(k.resets_received);
    c[{dir, series::kFlowConnects}] = static_cast<double>(k.connects);
    c[{dir, series::kFlowConnectsFailed}] = static_cast<double>(k.connect_failed);
    c[{dir, kSrttSum}] = static_cast<double>(k.srtt_us_sum);
    c[{dir, kSrttSamples}] = static_cast<double>(k.srtt_samples);
    for (const auto& [reason, n] : f.drops_by_reason) c[{dir, series::flow_drop_reason(reason)}] = static_cast<double>(n);
  }
  return c;
}

std::vector<NetSample> FlowCounters::tick(double dt) {
  auto cur = read();
  std::vector<NetSample> out;
  if (!first_ && dt > 0) {
    auto delta = [&](const Key& k) -> double {
      auto now = cur.find(k);
      if (now == cur.end()) return -1;
      auto was = prev_.find(k);
      const double before = was == prev_.end() ? 0.0 : was->second;
      return now->second >= before ? now->second - before : -1;
    };
    for (const auto& [k, v] : cur) {
      const auto& [dir, counter] = k;
      if (counter == kSrttSamples) continue;
      if (counter == kSrttSum) {
        // Mean over the packets sent in the tick; none sent: no value.
        const double n = delta({dir, kSrttSamples}), sum = delta(k);
        if (n > 0 && sum >= 0) out.push_back({series::kFlowNode, dir, series::kFlowSrtt, sum / n / 1e6});
        continue;
      }
      const double d = delta(k);
      if (d >= 0) out.push_back({series::kFlowNode, dir, counter, d / dt});
    }
  }
  prev_ = std::move(cur);
  first_ = false;
  return out;
}

}  // namespace faultline::experiment
