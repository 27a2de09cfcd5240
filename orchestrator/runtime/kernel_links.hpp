// SPDX-License-Identifier: Apache-2.0
// Link impairments as kernel netem qdiscs, changed over rtnetlink: one root
// qdisc on each sending end's egress per link direction, one on each bridge
// port of a segment toward its member. The qdiscs are found by what they
// impair (recorded when this backend installs them), never by their names
// or descriptions.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/runtime/link_backend.hpp"

namespace faultline::runtime {

class Run;

class KernelLinks final : public LinkBackend {
 public:
  // Installs every qdisc the plan lists (plan::QdiscPlan).
  static Result<std::unique_ptr<KernelLinks>> start(Run& run);

  // A link with no qdisc in the plan (a plain veth pair) gets its qdiscs on
  // its first change, where the kernel has netem.
  Status set_link(const plan::LinkPlan& link, model::Direction d, const netem::Impairment& imp) override;
  bool sets_both_at_once() const override { return false; }
  // Every port's qdisc of the segment changes, or those changed go back.
  Status set_segment(const plan::SegmentPlan& seg, const netem::Impairment& imp,
                     const netem::Impairment& now) override;
  nlohmann::json stats() const override;

 private:
  explicit KernelLinks(Run& run) : run_(run) {}
  Status set_side(const plan::LinkPlan& link, model::Direction side, const netem::Impairment& imp);

  Run& run_;
  // The qdiscs installed, by what they impair: a link's direction -> the
  // sending node and its interface's index; a segment -> the fabric-side
  // ports' indexes.
  std::map<std::pair<model::LinkId, model::Direction>, std::pair<std::string, int>> link_qdiscs_;
  std::map<model::SegmentId, std::vector<int>> segment_qdiscs_;
};

}  // namespace faultline::runtime
