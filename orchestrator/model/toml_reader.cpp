// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/model/toml_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "orchestrator/model/suggest.hpp"
#include "orchestrator/model/units.hpp"

namespace faultline::model::detail {

SourceLoc Diagnostics::loc(const toml::source_region& r) const {
  SourceLoc l;
  l.file = r.path ? *r.path : file_;
  l.line = r.begin.line ? static_cast<int>(r.begin.line) : 1;
  l.col = r.begin.line ? static_cast<int>(r.begin.column) : 1;
  return l;
}

void Diagnostics::error(const SourceLoc& at, std::string message) {
  for (const auto& e : errors_)
    if (e.loc == at && e.message == message) return;
  errors_.push_back(Diagnostic{at, std::move(message)});
}

std::vector<Diagnostic> Diagnostics::take() {
  // The topology file first, then --set; stable so that one position keeps
  // its errors in the order they were found.
  std::stable_sort(errors_.begin(), errors_.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    return std::tuple(a.loc.file != file_, a.loc.file, a.loc.line, a.loc.col) <
           std::tuple(b.loc.file != file_, b.loc.file, b.loc.line, b.loc.col);
  });
  return std::move(errors_);
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

namespace {

// "[[node.service]]" for key "service" of "[[node]]".
std::string array_header(const std::string& what, std::string_view key) {
  std::string parent = what;
  parent.erase(0, parent.find_first_not_of('['));
  parent.erase(parent.find_last_not_of(']') + 1);
  const bool nested = !what.empty() && what.front() == '[';
  return "[[" + (nested ? parent + "." : std::string()) + std::string(key) + "]]";
}

std::optional<std::string> wrong_type(Diagnostics& d, std::string_view key, const toml::node& n,
                                      const std::string& expected) {
  d.error(d.loc(n), std::string(key) + ": expected " + expected + ", got " + type_name(n));
  return std::nullopt;
}

template <class T>
std::optional<T> report(Diagnostics& d, std::string_view key, const toml::node& n, const Result<T>& r) {
  if (r.ok()) return r.value();
  d.error(d.loc(n), std::string(key) + ": " + r.error().context);
  return std::nullopt;
}

// Quantities with units are strings; a bare 0 is unambiguous in any unit.
// `unit` completes a bare number into the example: 120 -> "120s".
template <class T, class Parse>
std::optional<T> read_quantity(Diagnostics& d, std::string_view key, const toml::node& n, Parse parse,
                               const std::string& expected, const std::string& unit, const std::string& units) {
  if (n.is_number()) {
    const double v = n.value_or(0.0);
    if (v == 0) return T{0};
    d.error(d.loc(n), std::string(key) + ": " + format_number(v) +
                          " has no unit; a unit is needed, as a string, e.g. " +
                          quote(format_number(std::fabs(v)) + unit) + " (units: " + units + ")");
    return std::nullopt;
  }
  const auto* s = n.as_string();
  if (!s) {
    wrong_type(d, key, n, expected);
    return std::nullopt;
  }
  return report<T>(d, key, n, parse(s->get()));
}

}  // namespace

std::optional<std::string> read_string(Diagnostics& d, std::string_view key, const toml::node& n) {
  if (const auto* s = n.as_string()) return s->get();
  return wrong_type(d, key, n, "a string");
}

std::optional<int64_t> read_integer(Diagnostics& d, std::string_view key, const toml::node& n, int64_t min,
                                    int64_t max) {
  const auto* i = n.as_integer();
  if (!i) {
    wrong_type(d, key, n, "an integer");
    return std::nullopt;
  }
  if (i->get() < min || i->get() > max) {
    d.error(d.loc(n), std::string(key) + ": " + std::to_string(i->get()) +
                          " is out of range; allowed: " + std::to_string(min) + ".." + std::to_string(max));
    return std::nullopt;
  }
  return i->get();
}

std::optional<double> read_number(Diagnostics& d, std::string_view key, const toml::node& n) {
  if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
  if (const auto* f = n.as_floating_point()) {
    if (std::isfinite(f->get())) return f->get();
    d.error(d.loc(n), std::string(key) + ": expected a finite number, got " + (std::isnan(f->get()) ? "nan" : "inf"));
    return std::nullopt;
  }
  wrong_type(d, key, n, "a number");
  return std::nullopt;
}

std::optional<bool> read_bool(Diagnostics& d, std::string_view key, const toml::node& n) {
  if (const auto* b = n.as_boolean()) return b->get();
  wrong_type(d, key, n, "true or false");
  return std::nullopt;
}

std::optional<int64_t> read_duration(Diagnostics& d, std::string_view key, const toml::node& n) {
  return read_quantity<int64_t>(d, key, n, units::parse_duration_ns, "a duration string such as \"20ms\"", "s",
                                "ns, us, ms, s, m, h");
}

std::optional<uint64_t> read_bytes(Diagnostics& d, std::string_view key, const toml::node& n) {
  // parse_bytes takes a plain byte count, but memory = "256" is far more
  // likely a forgotten MiB than 256 bytes: ask for the unit.
  if (const auto* s = n.as_string()) {
    const auto& v = s->get();
    if (!v.empty() && v != "0" && v.find_first_not_of("0123456789") == std::string::npos) {
      d.error(d.loc(n), std::string(key) + ": " + quote(v) + " has no unit; a unit is needed: write " + quote(v + "B") +
                            " for bytes, or e.g. \"256MiB\" (units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)");
      return std::nullopt;
    }
  }
  return read_quantity<uint64_t>(d, key, n, units::parse_bytes, "a size string such as \"256MiB\"", "MiB",
                                 "B, KiB, MiB, GiB, TiB, KB, MB, GB, TB");
}

std::optional<uint64_t> read_rate(Diagnostics& d, std::string_view key, const toml::node& n) {
  return read_quantity<uint64_t>(d, key, n, units::parse_rate_bps, "a rate string such as \"100Mbit\"", "Mbit",
                                 "bit, kbit, Mbit, Gbit, kbps, Mbps, Gbps, MB/s, ...");
}

std::optional<uint32_t> read_percent(Diagnostics& d, std::string_view key, const toml::node& n) {
  if (n.is_number() && n.value_or(1.0) != 0) {
    // 0.02: two percent or a fiftieth of one? Only the % string is unambiguous.
    d.error(d.loc(n), std::string(key) + ": a bare number is ambiguous; write a percentage string such as \"2.5%\"");
    return std::nullopt;
  }
  return read_quantity<uint32_t>(d, key, n, units::parse_percent_ppm, "a percentage string such as \"2.5%\"", "%", "%");
}

std::optional<uint32_t> read_cores(Diagnostics& d, std::string_view key, const toml::node& n) {
  if (!n.is_number()) {
    wrong_type(d, key, n, "a number of CPU cores such as 0.5");
    return std::nullopt;
  }
  auto v = read_number(d, key, n);
  if (!v) return std::nullopt;
  return report<uint32_t>(d, key, n, units::cores_to_millicores(*v));
}

std::optional<std::string> read_choice(Diagnostics& d, std::string_view key, const toml::node& n,
                                       const std::vector<std::string>& allowed) {
  auto s = read_string(d, key, n);
  if (!s) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *s) != allowed.end()) return s;
  std::string msg = std::string(key) + ": " + quote(*s) + " is not allowed; ";
  if (auto c = closest(*s, allowed)) msg += "did you mean " + quote(*c) + "? ";
  std::vector<std::string> q;
  for (const auto& a : allowed) q.push_back(quote(a));
  d.error(d.loc(n), msg + "allowed: " + join(q));
  return std::nullopt;
}

Table::Table(Diagnostics& d, const toml::table& t, std::string what, std::vector<std::string> allowed)
    : d_(d), t_(t), what_(std::move(what)) {
  for (auto&& [k, v] : t_) {
    if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
    bad_.insert(std::string(k.str()));
    d_.error(d_.loc(k.source()),
             "unknown key '" + std::string(k.str()) + "' in " + what_ + "; " + suggest(k.str(), allowed));
  }
}

SourceLoc Table::loc(std::string_view key) const {
  if (const auto* n = get(key)) return d_.loc(*n);
  return loc();
}

void Table::fail(std::string_view key, const std::string& message) {
  bad_.insert(std::string(key));
  d_.error(loc(key), std::string(key) + ": " + message);
}

bool Table::require(std::string_view key, const std::string& what_it_is) {
  if (has(key)) return true;
  bad_.insert(std::string(key));
  d_.error(loc(), what_ + " needs '" + std::string(key) + "' (" + what_it_is + ")");
  return false;
}

template <class T>
std::optional<T> Table::track(std::string_view key, std::optional<T> v) {
  if (!v) bad_.insert(std::string(key));
  return v;
}

#define FL_TABLE_GETTER(type, name, reader)               \
  std::optional<type> Table::name(std::string_view key) { \
    const auto* n = get(key);                             \
    if (!n) return std::nullopt;                          \
    return track(key, reader(d_, key, *n));               \
  }
FL_TABLE_GETTER(std::string, string, read_string)
FL_TABLE_GETTER(double, number, read_number)
FL_TABLE_GETTER(bool, boolean, read_bool)
FL_TABLE_GETTER(int64_t, duration, read_duration)
FL_TABLE_GETTER(uint64_t, bytes, read_bytes)
FL_TABLE_GETTER(uint64_t, rate, read_rate)
FL_TABLE_GETTER(uint32_t, percent, read_percent)
FL_TABLE_GETTER(uint32_t, cores, read_cores)
#undef FL_TABLE_GETTER

std::optional<int64_t> Table::integer(std::string_view key, int64_t min, int64_t max) {
  const auto* n = get(key);
  if (!n) return std::nullopt;
  return track(key, read_integer(d_, key, *n, min, max));
}

std::optional<std::string> Table::choice(std::string_view key, const std::vector<std::string>& allowed) {
  const auto* n = get(key);
  if (!n) return std::nullopt;
  return track(key, read_choice(d_, key, *n, allowed));
}

const toml::table* Table::table(std::string_view key) {
  const auto* n = get(key);
  if (!n) return nullptr;
  if (const auto* t = n->as_table()) return t;
  bad_.insert(std::string(key));
  wrong_type(d_, key, *n, "a table");
  return nullptr;
}

const toml::array* Table::array(std::string_view key) {
  const auto* n = get(key);
  if (!n) return nullptr;
  if (const auto* a = n->as_array()) return a;
  bad_.insert(std::string(key));
  wrong_type(d_, key, *n, "an array");
  return nullptr;
}

std::vector<const toml::table*> Table::tables(std::string_view key) {
  std::vector<const toml::table*> out;
  const auto* n = get(key);
  if (!n) return out;
  const auto* a = n->as_array();
  if (!a) {
    fail(key, "expected an array of tables (" + array_header(what_, key) + " or [{...}, ...]), got " + type_name(*n));
    return out;
  }
  for (const auto& e : *a) {
    if (const auto* t = e.as_table())
      out.push_back(t);
    else {
      bad_.insert(std::string(key));
      d_.error(d_.loc(e), std::string(key) + ": expected a table, got " + type_name(e));
    }
  }
  return out;
}

}  // namespace faultline::model::detail
