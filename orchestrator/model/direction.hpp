// SPDX-License-Identifier: Apache-2.0
// Which way(s) of a link a change acts on, in the link's `between` order
// (Link::a, Link::b). Parsed once, by the loader (a fault's `direction`) or
// the CLI (`link:A->B`); everything after it compares the enum.
#pragma once

#include <optional>
#include <string_view>

namespace faultline::model {

enum class Direction { kBoth, kAtoB, kBtoA };

// "both", "a->b", "b->a": the words a topology file uses.
constexpr const char* to_string(Direction d) {
  switch (d) {
    case Direction::kBoth: return "both";
    case Direction::kAtoB: return "a->b";
    case Direction::kBtoA: return "b->a";
  }
  return "?";
}

constexpr std::optional<Direction> parse_direction(std::string_view s) {
  for (Direction d : {Direction::kBoth, Direction::kAtoB, Direction::kBtoA})
    if (s == to_string(d)) return d;
  return std::nullopt;
}

// Whether the change acts on a->b / on b->a.
constexpr bool covers_a_to_b(Direction d) { return d != Direction::kBtoA; }
constexpr bool covers_b_to_a(Direction d) { return d != Direction::kAtoB; }

// The same way named from the link's other end.
constexpr Direction reversed(Direction d) {
  return d == Direction::kAtoB ? Direction::kBtoA : d == Direction::kBtoA ? Direction::kAtoB : d;
}

}  // namespace faultline::model
