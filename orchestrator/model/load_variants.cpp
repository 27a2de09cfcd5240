// SPDX-License-Identifier: Apache-2.0
// [[variant]]: named sets of overrides that run the same experiment with
// other settings (docs/experiments.md). Each variant's overrides are checked
// now, against the file, exactly as `--set` would be: a variant that cannot
// run is a load error at the variant, not a failure halfway through a batch.
#include "orchestrator/model/loader_internal.hpp"

namespace faultline::model::detail {

namespace {

const std::vector<std::string> kVariantKeys = {"name", "set"};

bool valid_variant_name(const std::string& n) {
  if (n.empty() || n.size() > 40) return false;
  for (char c : n)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' ||
          c == '_'))
      return false;
  return true;
}

}  // namespace

void read_variants(Table& top, LoadState& s, const toml::table& root) {
  std::map<std::string, SourceLoc> names;
  for (const auto* raw : top.tables("variant")) {
    Table t(s.d, *raw, "[[variant]]", kVariantKeys);
    Variant v;
    v.loc = t.loc();
    if (!t.require("name", "a string naming the variant, e.g. \"with-budget\"")) continue;
    if (auto n = t.string("name")) {
      if (!valid_variant_name(*n)) {
        t.fail("name", "'" + *n + "' is not allowed: use 1 to 40 of a-z, 0-9, '-' and '_' (it names a results folder)");
        continue;
      }
      auto [it, inserted] = names.emplace(*n, t.loc("name"));
      if (!inserted) {
        t.fail("name", "variant '" + *n + "' is already defined at " + it->second.str());
        continue;
      }
      v.name = *n;
    }
    if (const auto* arr = t.array("set")) {
      bool ok = true;
      for (const auto& e : *arr) {
        const auto* str = e.as_string();
        if (!str) {
          s.d.error(s.d.loc(e), "`set` holds overrides as strings, \"key=value\" as for --set, e.g. "
                                "\"node.db.cpu=0.5\"");
          ok = false;
          continue;
        }
        v.set.push_back(str->get());
      }
      if (!ok) continue;
    }
    // Checked as the variant will run: the file with its overrides.
    if (!v.set.empty()) {
      toml::table copy = root;
      copy.erase("variant");
      Diagnostics sub(s.d.file());
      apply_overrides(copy, v.set, sub);
      auto r = sub.count() == 0 ? convert(copy, sub) : LoadResult{std::nullopt, sub.take()};
      const auto errors = sub.count() ? sub.take() : r.errors;
      for (const auto& e : errors) {
        // Overrides are placed at --set:N:col; here N is the entry of `set`.
        const std::string where = e.loc.file == s.d.file() ? " (at " + e.loc.str() + ")"
                                                          : " (in set entry " + std::to_string(e.loc.line) + ")";
        s.d.error(t.loc("set"), "variant '" + v.name + "': " + e.message + where);
      }
      if (!errors.empty()) continue;
    }
    s.topo.variants.push_back(std::move(v));
  }
}

}  // namespace faultline::model::detail
