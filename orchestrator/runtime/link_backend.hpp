// SPDX-License-Identifier: Apache-2.0
// What carries a link's or a segment's impairments: kernel netem qdiscs
// (kernel_links.hpp) or the userspace link engine (engine_links.hpp).
// LinkControl keeps what each link and segment is set to and hands every
// change to the backend it chose for that link or segment at `up`; it never
// asks which carrier it is talking to.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "base/result.hpp"
#include "netem/impairment.hpp"
#include "orchestrator/model/direction.hpp"
#include "orchestrator/plan/plan.hpp"

namespace faultline::runtime {

class LinkBackend {
 public:
  virtual ~LinkBackend() = default;
  // One direction of the link, or both (kBoth).
  virtual Status set_link(const plan::LinkPlan& link, model::Direction d, const netem::Impairment& imp) = 0;
  // Whether kBoth changes both directions in one step. Otherwise LinkControl
  // changes them one at a time, so that it can put the first back when the
  // second fails.
  virtual bool sets_both_at_once() const = 0;
  // The whole segment to `imp`, all or nothing (`now` is what it holds).
  virtual Status set_segment(const plan::SegmentPlan& seg, const netem::Impairment& imp,
                             const netem::Impairment& now) = 0;
  // The carrier's own counters (JSON), null when it keeps none.
  virtual nlohmann::json stats() const = 0;
};

}  // namespace faultline::runtime
