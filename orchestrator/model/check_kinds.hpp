// SPDX-License-Identifier: Apache-2.0
// The words of an [[expect.check]] as types: how a series is reduced
// (aggregate), over which part of the run (phase) and how the result is
// compared with the threshold (op). The loader parses them once from these
// tables; the expectations switch on the enums.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::model {

enum class Aggregate { kMean, kMax, kMin, kP50, kP99, kLast };
enum class Phase { kBaseline, kFault, kRecovery, kAll };
enum class CompareOp { kLt, kLe, kGt, kGe, kEq };

template <class E>
struct Named {
  E value;
  const char* name;
};

inline constexpr Named<Aggregate> kAggregates[] = {{Aggregate::kMean, "mean"}, {Aggregate::kMax, "max"},
                                                   {Aggregate::kMin, "min"},   {Aggregate::kP50, "p50"},
                                                   {Aggregate::kP99, "p99"},   {Aggregate::kLast, "last"}};
inline constexpr Named<Phase> kPhases[] = {
    {Phase::kBaseline, "baseline"}, {Phase::kFault, "fault"}, {Phase::kRecovery, "recovery"}, {Phase::kAll, "all"}};
inline constexpr Named<CompareOp> kCompareOps[] = {{CompareOp::kLt, "<"},
                                                   {CompareOp::kLe, "<="},
                                                   {CompareOp::kGt, ">"},
                                                   {CompareOp::kGe, ">="},
                                                   {CompareOp::kEq, "=="}};

template <class E, size_t N>
constexpr const char* name_in(const Named<E> (&table)[N], E v) {
  for (const auto& n : table)
    if (n.value == v) return n.name;
  return "?";
}

template <class E, size_t N>
constexpr std::optional<E> parse_in(const Named<E> (&table)[N], std::string_view s) {
  for (const auto& n : table)
    if (s == n.name) return n.value;
  return std::nullopt;
}

// The allowed words, in table order, for the loader's "allowed: ..." errors.
template <class E, size_t N>
std::vector<std::string> names_in(const Named<E> (&table)[N]) {
  std::vector<std::string> out;
  for (const auto& n : table) out.emplace_back(n.name);
  return out;
}

constexpr const char* to_string(Aggregate a) { return name_in(kAggregates, a); }
constexpr const char* to_string(Phase p) { return name_in(kPhases, p); }
constexpr const char* to_string(CompareOp o) { return name_in(kCompareOps, o); }

// value op threshold.
constexpr bool holds(double value, CompareOp op, double threshold) {
  switch (op) {
    case CompareOp::kLt: return value < threshold;
    case CompareOp::kLe: return value <= threshold;
    case CompareOp::kGt: return value > threshold;
    case CompareOp::kGe: return value >= threshold;
    case CompareOp::kEq: return value == threshold;
  }
  return false;
}

}  // namespace faultline::model
