// SPDX-License-Identifier: Apache-2.0
// The one place that turns a link's or a segment's name, as a person or the
// timeline writes it, into the plan's object. A link answers to "api-db" and
// "db-api" (and, one direction, "api->db" / "db->api"): model::spelled_as
// compares a spelling with each link's model::LinkId. The loader refuses
// topologies in which two links, or a link and a segment, would answer to the
// same name (model: check_network_names), and these lookups refuse an
// ambiguous name rather than pick one.
#pragma once

#include <string_view>

#include "base/result.hpp"
#include "orchestrator/plan/plan.hpp"

namespace faultline::plan {

struct LinkRef {
  const LinkPlan* link = nullptr;
  bool reversed = false;  // named "b-a" (or "b->a") for a link planned as "a-b"
  bool one_way = false;   // named "a->b" or "b->a": one direction of it
};

// ENOENT (listing the links) when no link has the name, EINVAL when two do.
Result<LinkRef> find_link(const Plan& plan, std::string_view name);
// The plan's link with this id (in `between` order); ENOENT when there is none.
Result<const LinkPlan*> find_link(const Plan& plan, const model::LinkId& id);
// ENOENT (listing the segments) when no segment has the name.
Result<const SegmentPlan*> find_segment(const Plan& plan, std::string_view name);
// The plan's segment with this id; ENOENT when there is none.
inline Result<const SegmentPlan*> find_segment(const Plan& plan, const model::SegmentId& id) {
  return find_segment(plan, std::string_view(id.str()));
}

}  // namespace faultline::plan
