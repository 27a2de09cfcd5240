// SPDX-License-Identifier: Apache-2.0
// The identities of the topology's nodes and segments (a link's is LinkId,
// link_id.hpp). Distinct types, so a node's name never stands where a
// segment's is meant; see base/name_id.hpp for what converts how.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/name_id.hpp"

namespace faultline::model {

struct NodeTag;
struct SegmentTag;
using NodeId = NameId<NodeTag>;
using SegmentId = NameId<SegmentTag>;

// For tests and fixed names in code: "db"_node, "lan"_segment. Text from a
// file or a person goes through the loader or a parser instead.
inline namespace literals {
inline NodeId operator""_node(const char* s, size_t n) { return NodeId{std::string_view(s, n)}; }
inline SegmentId operator""_segment(const char* s, size_t n) { return SegmentId{std::string_view(s, n)}; }
}  // namespace literals

}  // namespace faultline::model
