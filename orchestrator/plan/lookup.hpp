// SPDX-License-Identifier: Apache-2.0
// The one place that turns a link's or a segment's name, as a person or the
// timeline writes it, into the plan's object. A link is named after its two
// nodes in `between` order ("api-db") and answers to the reverse ("db-api")
// as well; the loader refuses topologies in which two links, or a link and a
// segment, would answer to the same name (model: check_network_names), and
// these lookups refuse an ambiguous name rather than pick one.
#pragma once

#include <string_view>

#include "base/result.hpp"
#include "orchestrator/plan/plan.hpp"

namespace faultline::plan {

struct LinkRef {
  const LinkPlan* link = nullptr;
  bool reversed = false;  // named "b-a" for a link planned as "a-b"
};

// ENOENT (listing the links) when no link has the name, EINVAL when two do.
Result<LinkRef> find_link(const Plan& plan, std::string_view name);
// ENOENT (listing the segments) when no segment has the name.
Result<const SegmentPlan*> find_segment(const Plan& plan, std::string_view name);

}  // namespace faultline::plan
