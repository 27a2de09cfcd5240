// SPDX-License-Identifier: Apache-2.0
// An identity that is a name: a node, a segment. The name is what a user
// wrote and what ends up in interface names, metric labels and summaries, so
// reading it is free (an implicit `const std::string&`), but making one is
// explicit: only the loader, which checked the name against the topology, and
// the parsers of user input (CLI, state files) spell `NodeId{text}`. A
// function that takes a NodeId therefore cannot be handed a segment's name, a
// service's name or any other string by accident.
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace faultline {

template <class Tag>
class NameId {
 public:
  NameId() = default;
  explicit NameId(std::string name) : name_(std::move(name)) {}
  explicit NameId(std::string_view name) : name_(name) {}
  explicit NameId(const char* name) : name_(name) {}
  // A node's name is not a segment's: no conversion between identity types,
  // not even an explicit one through the name.
  template <class Other>
  explicit NameId(const NameId<Other>&) = delete;

  const std::string& str() const noexcept { return name_; }
  const char* c_str() const noexcept { return name_.c_str(); }
  operator const std::string&() const noexcept { return name_; }  // NOLINT: reading is free
  bool empty() const noexcept { return name_.empty(); }

  auto operator<=>(const NameId&) const = default;
  bool operator==(const NameId&) const = default;
  // Finding a node or segment by what a person typed compares text with an
  // identity; another identity type does not convert (two conversions).
  friend bool operator==(const NameId& id, std::string_view text) noexcept { return id.name_ == text; }

  friend std::ostream& operator<<(std::ostream& os, const NameId& id) { return os << id.name_; }

  // Written into JSON (summaries, events) as its name; a template, so this
  // header need not include nlohmann/json.
  template <class Json>
  friend void to_json(Json& j, const NameId& id) {
    j = id.name_;
  }

  // Messages and labels are text: joining a name into one gives a string,
  // which never becomes an identity again without the explicit constructor.
  friend std::string operator+(const std::string& text, const NameId& id) { return text + id.name_; }
  friend std::string operator+(const NameId& id, const std::string& text) { return id.name_ + text; }
  friend std::string operator+(const char* text, const NameId& id) { return text + id.name_; }
  friend std::string operator+(const NameId& id, const char* text) { return id.name_ + text; }

 private:
  std::string name_;
};

}  // namespace faultline

template <class Tag>
struct std::hash<faultline::NameId<Tag>> {
  size_t operator()(const faultline::NameId<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};
