// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/flow_counters.hpp"

#include "orchestrator/measure/flow_pairs.hpp"
#include "orchestrator/measure/prom_text.hpp"
#include "orchestrator/model/series_names.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::experiment {

namespace series = model::series;

namespace {
constexpr double kBitsPerMbit = 1e6;
constexpr double kNsPerS = 1e9;
constexpr double kUsPerS = 1e6;
// Raw counters that make up a series and have none of their own.
constexpr const char* kSrttSum = "srtt_us_sum";
constexpr const char* kSrttSamples = "srtt_samples";
constexpr const char* kRunqDelayNs = "runq_delay_ns";
constexpr const char* kRunqWaits = "runq_waits";
constexpr const char* kRunqBucket = "runq_bucket_";  // + index: waits in histogram bucket i
constexpr double kRunqQuantile = 0.99;
}  // namespace

FlowCounters::FlowCounters(const runtime::Run& run)
    : FlowCounters(run.plan(), run.flow_nodes(), [&run]() -> Result<ebpf::FlowSnapshot> {
        if (!run.flows()) return logic_error("no flow view");
        return run.flows()->read();
      }) {}

std::optional<std::map<FlowCounters::Key, double>> FlowCounters::read() const {
  if (!read_) return std::nullopt;
  auto snap = read_();
  if (!snap.ok()) return std::nullopt;
  std::map<Key, double> c;
  const std::string flow = series::kFlowNode;
  for (const auto& [pair, f] : measure::flow_pairs(plan_, nodes_, snap.value())) {
    const std::string dir = pair.first + "->" + pair.second;
    const auto& k = f.counters;
    c[{flow, dir, series::kFlowPackets}] = static_cast<double>(k.packets);
    c[{flow, dir, series::kFlowMbps}] = static_cast<double>(k.bytes) * 8 / kBitsPerMbit;
    c[{flow, dir, series::kFlowDrops}] = static_cast<double>(k.drops);
    c[{flow, dir, series::kFlowRetransmits}] = static_cast<double>(k.retransmits);
    c[{flow, dir, series::kFlowResetsSent}] = static_cast<double>(k.resets_sent);
    c[{flow, dir, series::kFlowResetsReceived}] = static_cast<double>(k.resets_received);
    c[{flow, dir, series::kFlowConnects}] = static_cast<double>(k.connects);
    c[{flow, dir, series::kFlowConnectsFailed}] = static_cast<double>(k.connect_failed);
    c[{flow, dir, kSrttSum}] = static_cast<double>(k.srtt_us_sum);
    c[{flow, dir, kSrttSamples}] = static_cast<double>(k.srtt_samples);
    for (const auto& [reason, n] : f.drops_by_reason)
      c[{flow, dir, series::flow_drop_reason(reason)}] = static_cast<double>(n);
  }
  for (const auto& [index, r] : snap.value().runq) {
    if (index >= nodes_.size()) continue;
    const std::string& node = nodes_[index];
    c[{node, "", kRunqDelayNs}] = static_cast<double>(r.delay_ns);
    c[{node, "", kRunqWaits}] = static_cast<double>(r.waits);
    for (size_t i = 0; i < r.hist.size(); ++i)
      c[{node, "", kRunqBucket + std::to_string(i)}] = static_cast<double>(r.hist[i]);
  }
  return c;
}

std::vector<NetSample> FlowCounters::tick(double dt) {
  auto read_now = read();
  std::vector<NetSample> out;
  if (!read_now) {
    // Nothing read: the next reading's changes span this tick too.
    if (!first_) unread_s_ += dt;
    return out;
  }
  auto& cur = *read_now;
  dt += unread_s_;
  unread_s_ = 0;
  if (!first_ && dt > 0) {
    // What was counted in the tick; -1 when the counter is gone or went back.
    auto delta = [&](const Key& k) -> double {
      auto now = cur.find(k);
      if (now == cur.end()) return -1;
      auto was = prev_.find(k);
      const double before = was == prev_.end() ? 0.0 : was->second;
      return now->second >= before ? now->second - before : -1;
    };
    for (const auto& [k, v] : cur) {
      const auto& [node, svc, counter] = k;
      if (counter == kSrttSamples || counter == kRunqWaits || counter.rfind(kRunqBucket, 0) == 0) continue;
      if (counter == kSrttSum) {
        // Mean over the packets sent in the tick; none sent: no value.
        const double n = delta({node, svc, kSrttSamples}), sum = delta(k);
        if (n > 0 && sum >= 0) out.push_back({node, svc, series::kFlowSrtt, sum / n / kUsPerS});
        continue;
      }
      if (counter == kRunqDelayNs) {
        const double waited = delta(k), n = delta({node, svc, kRunqWaits});
        if (waited < 0 || n < 0) continue;
        out.push_back({node, svc, series::kRunqWaitShare, waited / kNsPerS / dt});
        if (n == 0) continue;  // no wait ended: no mean, no p99
        out.push_back({node, svc, series::kRunqDelay, waited / n / kNsPerS});
        measure::Buckets cumulative;
        double below = 0;
        for (size_t i = 0; i < FL_RUNQ_BUCKETS; ++i) {
          const double b = delta({node, svc, kRunqBucket + std::to_string(i)});
          if (b < 0) {
            cumulative.clear();
            break;
          }
          below += b;
          cumulative[ebpf::runq_bucket_upper_s(i)] = below;
        }
        if (!cumulative.empty()) out.push_back({node, svc, series::kRunqP99, measure::quantile(cumulative, kRunqQuantile)});
        continue;
      }
      const double d = delta(k);
      if (d >= 0) out.push_back({node, svc, counter, d / dt});
    }
  }
  prev_ = std::move(cur);
  first_ = false;
  return out;
}

}  // namespace faultline::experiment
