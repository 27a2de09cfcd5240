// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/plan/lookup.hpp"

namespace faultline::plan {

namespace {

std::string link_names(const Plan& plan) {
  std::string all;
  for (const auto& l : plan.links) all += (all.empty() ? "" : ", ") + l.id.name();
  return all.empty() ? "none" : all;
}

}  // namespace

Result<LinkRef> find_link(const Plan& plan, std::string_view name) {
  LinkRef found;
  int matches = 0;
  for (const auto& l : plan.links) {
    const auto how = model::spelled_as(l.id, name);
    if (!how) continue;
    if (++matches == 1) found = {&l, how->reversed, how->one_way};
  }
  if (matches == 1) return found;
  if (matches > 1)
    return sys_error(EINVAL, "'" + std::string(name) + "' names more than one link of run " + plan.run +
                                 " (a topology the loader refuses)");
  return sys_error(ENOENT, "no link '" + std::string(name) + "' in run " + plan.run + "; links: " + link_names(plan));
}

Result<const LinkPlan*> find_link(const Plan& plan, const model::LinkId& id) {
  for (const auto& l : plan.links)
    if (l.id == id) return &l;
  return sys_error(ENOENT, "no link '" + id.name() + "' in run " + plan.run + "; links: " + link_names(plan));
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
