// SPDX-License-Identifier: Apache-2.0
// Typed, located access to toml++ tables. Every problem becomes a Diagnostic
// at the offending value (or at the table when a key is missing), and reading
// goes on, so one run reports every error.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/model/loader.hpp"

namespace faultline::model::detail {

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  // Nodes made up by --set carry their own path; nodes created implicitly
  // carry none and are placed at the top of the file.
  SourceLoc loc(const toml::source_region& r) const;
  SourceLoc loc(const toml::node& n) const { return loc(n.source()); }

  // A value read through several paths (a link key seen by each direction and
  // by each fault on the link) reports its problem once.
  void error(const SourceLoc& at, std::string message);
  size_t count() const { return errors_.size(); }
  // Sorted by position, so the output reads like the file.
  std::vector<Diagnostic> take();

 private:
  std::string file_;
  std::vector<Diagnostic> errors_;
};

// "a string", "an integer", ...
std::string type_name(const toml::node& n);
std::string quote(std::string_view s);
// 0.5, 400, 1e+07: as short as it reads.
std::string format_number(double v);

// Readers of one value. They report at the value and return nullopt when it is
// invalid; `key` prefixes the message.
std::optional<std::string> read_string(Diagnostics& d, std::string_view key, const toml::node& n);
std::optional<int64_t> read_integer(Diagnostics& d, std::string_view key, const toml::node& n, int64_t min,
                                    int64_t max);
std::optional<double> read_number(Diagnostics& d, std::string_view key, const toml::node& n);
std::optional<bool> read_bool(Diagnostics& d, std::string_view key, const toml::node& n);
std::optional<int64_t> read_duration(Diagnostics& d, std::string_view key, const toml::node& n);
std::optional<uint64_t> read_bytes(Diagnostics& d, std::string_view key, const toml::node& n);
std::optional<uint64_t> read_rate(Diagnostics& d, std::string_view key, const toml::node& n);
std::optional<uint32_t> read_percent(Diagnostics& d, std::string_view key, const toml::node& n);
std::optional<uint32_t> read_cores(Diagnostics& d, std::string_view key, const toml::node& n);
std::optional<std::string> read_choice(Diagnostics& d, std::string_view key, const toml::node& n,
                                       const std::vector<std::string>& allowed);

// One TOML table with a fixed set of allowed keys. Unknown keys are reported
// on construction; getters return nullopt when a key is absent or invalid and
// remember invalid keys so later cross-checks can stay quiet about them.
class Table {
 public:
  Table(Diagnostics& d, const toml::table& t, std::string what, std::vector<std::string> allowed);

  Diagnostics& diag() const { return d_; }
  const toml::table& raw() const { return t_; }
  const std::string& what() const { return what_; }
  SourceLoc loc() const { return d_.loc(t_); }
  SourceLoc loc(std::string_view key) const;

  const toml::node* get(std::string_view key) const { return t_.get(key); }
  bool has(std::string_view key) const { return t_.contains(key); }
  // Present and not reported invalid.
  bool ok(std::string_view key) const { return has(key) && !bad_.contains(std::string(key)); }
  bool bad(std::string_view key) const { return bad_.contains(std::string(key)); }

  // Reports a problem with the value of `key`, prefixed with the key.
  void fail(std::string_view key, const std::string& message);
  // Reports `key` as missing, at the table. Returns false when missing.
  bool require(std::string_view key, const std::string& what_it_is);

  std::optional<std::string> string(std::string_view key);
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max);
  std::optional<double> number(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  std::optional<int64_t> duration(std::string_view key);
  std::optional<uint64_t> bytes(std::string_view key);
  std::optional<uint64_t> rate(std::string_view key);
  std::optional<uint32_t> percent(std::string_view key);
  std::optional<uint32_t> cores(std::string_view key);
  std::optional<std::string> choice(std::string_view key, const std::vector<std::string>& allowed);
  const toml::table* table(std::string_view key);
  const toml::array* array(std::string_view key);
  // An array of tables ([[x]] or [{...}, ...]); elements of other types are reported.
  std::vector<const toml::table*> tables(std::string_view key);

 private:
  template <class T>
  std::optional<T> track(std::string_view key, std::optional<T> v);

  Diagnostics& d_;
  const toml::table& t_;
  std::string what_;
  std::set<std::string, std::less<>> bad_;
};

}  // namespace faultline::model::detail
