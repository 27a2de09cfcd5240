// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/plan/lookup.hpp"

namespace faultline::plan {

Result<LinkRef> find_link(const Plan& plan, std::string_view name) {
  LinkRef found;
  int matches = 0;
  for (const auto& l : plan.links) {
    const bool forward = l.name == name;
    const bool reversed = !forward && name.size() == l.a.size() + 1 + l.b.size() && name.starts_with(l.b) &&
                          name[l.b.size()] == '-' && name.ends_with(l.a);
    if (!forward && !reversed) continue;
    if (++matches == 1) found = {&l, reversed};
  }
  if (matches == 1) return found;
  if (matches > 1)
    return sys_error(EINVAL, "'" + std::string(name) + "' names more than one link of run " + plan.run +
                                 " (a topology the loader refuses)");
  std::string all;
  for (const auto& l : plan.links) all += (all.empty() ? "" : ", ") + l.name;
  return sys_error(ENOENT, "no link '" + std::string(name) + "' in run " + plan.run +
                               "; links: " + (all.empty() ? "none" : all));
}

Result<const SegmentPlan*> find_segment(const Plan& plan, std::string_view name) {
  for (const auto& s : plan.segments)
    if (s.name == name) return &s;
  std::string all;
  for (const auto& s : plan.segments) all += (all.empty() ? "" : ", ") + s.name;
  return sys_error(ENOENT, "no segment '" + std::string(name) + "' in run " + plan.run +
                               "; segments: " + (all.empty() ? "none" : all));
}

}  // namespace faultline::plan
