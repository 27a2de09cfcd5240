// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/model/loader.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "orchestrator/model/loader_internal.hpp"

namespace faultline::model {
namespace detail {

bool LoadState::has_node(const std::string& n) const { return std::find(nodes.begin(), nodes.end(), n) != nodes.end(); }

bool claim_name(LoadState& s, const std::string& name, const SourceLoc& at, const std::string& kind) {
  auto [it, inserted] = s.names.emplace(name, at);
  if (inserted) return true;
  s.d.error(at, "name: '" + name + "' is already used by the node or segment defined at " + it->second.str() +
                    "; nodes and segments share one namespace, so each " + kind + " needs a unique name");
  return false;
}

Result<std::pair<std::string, uint16_t>> parse_endpoint(std::string_view s) {
  const std::string q = quote(s);
  const size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return logic_error(q + " is not \"node:port\", e.g. \"db:5432\"");
  const std::string_view port = s.substr(colon + 1);
  unsigned v = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || v < 1 || v > 65535)
    return logic_error(q + ": the port must be a number from 1 to 65535, e.g. \"db:5432\"");
  return std::pair{std::string(s.substr(0, colon)), static_cast<uint16_t>(v)};
}

namespace {

const std::vector<std::string> kTopKeys = {"experiment", "node", "link", "segment", "fault", "expect", "variant"};

void check_has_nodes(Table& top, LoadState& s) {
  if (s.nodes.empty() && !top.bad("node"))
    s.d.error(top.loc(), "the topology has no nodes; declare at least one [[node]] with a name");
}

std::optional<toml::table> parse(std::string_view text, const std::string& file, Diagnostics& d) {
  try {
    return toml::parse(text, std::string(file));
  } catch (const toml::parse_error& e) {
    d.error(d.loc(e.source()), "TOML syntax error: " + std::string(e.description()));
    return std::nullopt;
  }
}

}  // namespace

LoadResult convert(const toml::table& root, Diagnostics& d, bool variants) {
  LoadState s(d);
  s.topo.file = d.file();
  Table top(d, root, "the top level", kTopKeys);
  read_experiment(top, s);
  read_nodes(top, s);
  check_has_nodes(top, s);
  read_links(top, s);
  read_segments(top, s);
  check_network_names(s);
  check_address_pool(s);
  check_references(s);
  read_faults(top, s);
  read_expect(top, s);
  // Only when the file itself is sound: a variant's errors would repeat its own.
  if (d.count() == 0 && variants) read_variants(top, s, root);
  LoadResult r;
  r.errors = d.take();
  if (r.errors.empty()) {
    std::ostringstream json;
    json << toml::json_formatter{root};
    s.topo.document_json = json.str();
    r.topology = std::move(s.topo);
  }
  return r;
}

}  // namespace detail

LoadResult load_string(std::string_view toml_text, const std::string& file_name) {
  return load_string_with_overrides(toml_text, file_name, {});
}

namespace {

LoadResult load_text(std::string_view toml_text, const std::string& file_name,
                     const std::vector<std::string>& overrides, bool variants) {
  detail::Diagnostics d(file_name);
  auto root = detail::parse(toml_text, file_name, d);
  if (!root) return LoadResult{std::nullopt, d.take()};
  detail::apply_overrides(*root, overrides, d);
  return detail::convert(*root, d, variants);
}

}  // namespace

LoadResult load_string_with_overrides(std::string_view toml_text, const std::string& file_name,
                                      const std::vector<std::string>& overrides) {
  return load_text(toml_text, file_name, overrides, true);
}

LoadResult load_file(const std::string& path) { return load_file_with_overrides(path, {}); }

std::optional<TopologySource> read_source(const std::string& path, std::vector<Diagnostic>& errors) {
  auto src = read_topology_source(path);
  if (src.ok()) return std::move(src.value());
  errors.push_back(Diagnostic{SourceLoc{source_name(path), 1, 1}, src.error().message()});
  return std::nullopt;
}

LoadResult load_source(const TopologySource& src, const std::vector<std::string>& overrides) {
  return load_string_with_overrides(src.text, src.name, overrides);
}

LoadResult load_source_for_run(const TopologySource& src, const std::vector<std::string>& overrides) {
  return load_text(src.text, src.name, overrides, false);
}

LoadResult load_file_with_overrides(const std::string& path, const std::vector<std::string>& overrides) {
  LoadResult r;
  auto src = read_source(path, r.errors);
  if (!src) return r;
  return load_source(*src, overrides);
}

}  // namespace faultline::model
