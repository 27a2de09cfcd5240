// SPDX-License-Identifier: Apache-2.0
// A link's identity: its two nodes, in the order of its `between`. Everything
// after the loader (fault targets, the plan, the runtime's lookups, the
// executor, the timeline) carries this type; the text forms exist only here:
// name() gives the one display name ("api-db"), way() one direction's
// ("api->db"), and spelled_as() decides whether what a person or a file wrote
// ("api-db", "db-api", "api->db", "db->api") names this link.
//
// Node names may contain '-' ("api-gw"), so a spelling is never split at a
// dash: it is compared with the two known node names. The loader refuses
// topologies in which two links, or a link and a segment, share a spelling
// (load_network.cpp, check_network_names), so matching every known link
// against a spelling finds at most one.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "orchestrator/model/direction.hpp"
#include "orchestrator/model/ids.hpp"

namespace faultline::model {

struct LinkId {
  NodeId a, b;  // in `between` order

  // "a-b": the link's name in the plan, the engine, `faultline fault` and results.
  std::string name() const { return a.str() + "-" + b.str(); }
  // "a->b" for kAtoB, "b->a" for kBtoA: one direction, named by its nodes.
  std::string way(Direction d) const {
    return d == Direction::kBtoA ? b.str() + "->" + a.str() : a.str() + "->" + b.str();
  }
  LinkId reversed() const { return {b, a}; }
  // Written into JSON (results' faults, fault events) as its two nodes,
  // [a, b]; a template, so this header need not include nlohmann/json.
  template <class Json>
  friend void to_json(Json& j, const LinkId& id) {
    j = Json::array({id.a.str(), id.b.str()});
  }

  auto operator<=>(const LinkId&) const = default;
  bool operator==(const LinkId&) const = default;
};

// How a spelling named a link.
struct LinkSpelling {
  bool reversed = false;  // "b-a" / "b->a" for the link between a and b
  bool one_way = false;   // "a->b": one direction only
};

// Whether `text` names link `id`: "a-b" or "b-a" (the link), "a->b" or
// "b->a" (one direction of it).
inline std::optional<LinkSpelling> spelled_as(const LinkId& id, std::string_view text) {
  for (const bool one_way : {false, true}) {
    const std::string_view sep = one_way ? "->" : "-";
    for (const bool rev : {false, true}) {
      const std::string_view x = (rev ? id.b : id.a).str(), y = (rev ? id.a : id.b).str();
      if (text.size() == x.size() + sep.size() + y.size() && text.starts_with(x) &&
          text.substr(x.size(), sep.size()) == sep && text.ends_with(y))
        return LinkSpelling{rev, one_way};
    }
  }
  return std::nullopt;
}

}  // namespace faultline::model
