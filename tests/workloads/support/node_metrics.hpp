// SPDX-License-Identifier: Apache-2.0
// Reads a workload's /metrics (and pokes its control endpoint) from inside
// the node it runs in, the way the collector does: over the node's loopback.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "orchestrator/measure/prom_text.hpp"
#include "orchestrator/measure/scraper.hpp"
#include "orchestrator/runtime/netns.hpp"
#include "orchestrator/runtime/state.hpp"

namespace faultline::testing {

class NodeMetrics {
 public:
  NodeMetrics(const runtime::RunState& st, const std::string& node, uint16_t port) {
    const auto* h = st.holder(node);
    if (!h) return;
    auto ns = runtime::open_ns(h->id.pid, "net");
    if (!ns.ok()) return;
    ns_ = std::move(ns.value());
    scraper_.emplace(ns_.get(), port, std::chrono::milliseconds(2000));
  }
  bool ok() const { return scraper_.has_value(); }
  // Samples of one scrape; an empty list (and a test failure) when it fails.
  std::vector<measure::Sample> scrape() {
    if (!scraper_) return ADD_FAILURE() << "no such node", std::vector<measure::Sample>{};
    auto body = scraper_->get("/metrics");
    if (!body.ok()) return ADD_FAILURE() << body.error().message(), std::vector<measure::Sample>{};
    auto s = measure::parse_prom_text(*body);
    if (!s.ok()) return ADD_FAILURE() << s.error().message(), std::vector<measure::Sample>{};
    return std::move(s.value());
  }
  bool post(const std::string& target) {
    if (!scraper_) return false;
    auto r = scraper_->post(target);
    if (!r.ok()) ADD_FAILURE() << r.error().message();
    return r.ok();
  }

 private:
  UniqueFd ns_;
  std::optional<measure::Scraper> scraper_;
};

}  // namespace faultline::testing
