// SPDX-License-Identifier: Apache-2.0
// --set key=value: edits the parsed document before it is read, so an
// override is validated exactly like the file. Positions are "--set:N:col",
// N the override's number, col its column.
#include <algorithm>
#include <charconv>
#include <memory>

#include "orchestrator/model/loader_internal.hpp"
#include "orchestrator/model/names.hpp"
#include "orchestrator/model/suggest.hpp"

namespace faultline::model::detail {
namespace {

const std::string kSetFile = "--set";
// Sections that are arrays of tables, and whose elements a path selects.
const std::vector<std::string> kArrays = {"node",    "service", "endpoint", "calls", "mix",
                                          "schedule", "link",   "segment",  "fault", "check"};

struct Part {
  std::string text;
  int col = 0;  // 1-based
};

struct Override {
  int line = 0;
  std::vector<Part> path;
  std::string value;
  int value_col = 0;
};

SourceLoc at(int line, int col) { return SourceLoc{kSetFile, line, col}; }

std::optional<Override> split(const std::string& s, int line, Diagnostics& d) {
  const size_t eq = s.find('=');
  if (eq == std::string::npos || eq == 0) {
    d.error(at(line, 1), quote(s) + " is not key=value; e.g. experiment.seed=9 or node.api.cpu=0.5");
    return std::nullopt;
  }
  Override o{line, {}, s.substr(eq + 1), static_cast<int>(eq) + 2};
  for (size_t start = 0;;) {
    const size_t dot = std::min(s.find('.', start), eq);
    if (dot == start) {
      d.error(at(line, static_cast<int>(start) + 1),
              "empty key in " + quote(s.substr(0, eq)) + "; keys are separated by single dots");
      return std::nullopt;
    }
    o.path.push_back(Part{s.substr(start, dot - start), static_cast<int>(start) + 1});
    if (dot == eq) break;
    start = dot + 1;
  }
  if (o.value.empty()) {
    d.error(at(line, o.value_col), "no value after '='; write " + s + "VALUE");
    return std::nullopt;
  }
  return o;
}

std::string toml_quoted(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Parses `text` as the value of a one-key document laid out so that the value
// sits at line:col of "--set", which is where its errors then point.
std::optional<toml::table> parse_at(const std::string& text, int line, int col) {
  const std::string doc = std::string(static_cast<size_t>(line - 1), '\n') + "v" +
                          std::string(static_cast<size_t>(col - 3), ' ') + "=" + text;
  try {
    toml::table t = toml::parse(doc, std::string(kSetFile));
    if (t.size() == 1 && t.contains("v")) return t;
  } catch (const toml::parse_error&) {
  }
  return std::nullopt;
}

// The value as TOML (0.5, true, [..]) or, failing that, as a string (5ms).
toml::table value_doc(const Override& o) {
  if (auto t = parse_at(o.value, o.line, o.value_col)) return std::move(*t);
  if (auto t = parse_at(toml_quoted(o.value), o.line, o.value_col)) return std::move(*t);
  toml::table t;
  t.insert("v", o.value);
  return t;
}

bool named(const toml::table& t, const std::string& key, const std::string& want) {
  const auto* n = t.get(key);
  return n && n->is_string() && n->as_string()->get() == want;
}

// The link between = [a, b] answers to "a-b" and "b-a", as a fault's target does.
std::optional<LinkId> between_of(const toml::table& t) {
  const auto* between = t.get_as<toml::array>("between");
  if (!between || between->size() != 2) return std::nullopt;
  return LinkId{NodeId{between->get(0)->value_or(std::string())}, NodeId{between->get(1)->value_or(std::string())}};
}

bool link_matches(const toml::table& t, const std::string& sel) {
  const auto id = between_of(t);
  const auto how = id ? spelled_as(*id, sel) : std::nullopt;
  return how && !how->one_way;
}

// A service without a name, as the loader names it (names.hpp); none for a
// later service without a port.
std::string default_service_name(const toml::table& t, size_t index, const std::string& node) {
  const auto* port = t.get_as<int64_t>("port");
  if (index != 0 && !port) return std::string();
  return detail::default_service_name(node, index, port ? port->get() : 0);
}

std::string label(const toml::table& t, const std::string& array, size_t index, const std::string& parent) {
  if (const auto* n = t.get_as<std::string>("name")) return n->get();
  if (array == "service") return default_service_name(t, index, parent);
  if (array == "endpoint" || array == "mix")
    if (const auto* p = t.get_as<std::string>("path")) return p->get();
  return "";
}

bool matches(const toml::table& t, const std::string& array, const std::string& sel, size_t index,
             const std::string& parent) {
  if (!sel.empty() && label(t, array, index, parent) == sel) return true;
  if (array == "link") return link_matches(t, sel);
  if (array == "calls") return named(t, "to", sel);
  if (array == "endpoint" || array == "mix") return named(t, "path", sel);
  if (array == "service") {
    const auto* port = t.get_as<int64_t>("port");
    return port && std::to_string(port->get()) == sel;
  }
  return false;
}

std::vector<std::string> labels(const toml::array& arr, const std::string& array, const std::string& parent) {
  std::vector<std::string> out;
  for (size_t i = 0; i < arr.size(); ++i) {
    const auto* t = arr.get(i)->as_table();
    if (!t) continue;
    if (array == "link" && t->get_as<toml::array>("between")) {
      if (const auto id = between_of(*t)) out.push_back(id->name());
    } else if (auto l = label(*t, array, i, parent); !l.empty()) {
      out.push_back(l);
    }
  }
  return out;
}

// An element of an array of tables: by name (by "a-b" for links, by port for
// services, by `to` for calls, by path for endpoints and mix entries), else by
// 0-based index.
toml::table* select(toml::array& arr, const std::string& array, const Part& sel, const std::string& parent, int line,
                    Diagnostics& d) {
  for (size_t i = 0; i < arr.size(); ++i)
    if (auto* t = arr.get(i)->as_table(); t && matches(*t, array, sel.text, i, parent)) return t;
  size_t index = 0;
  auto [end, ec] = std::from_chars(sel.text.data(), sel.text.data() + sel.text.size(), index);
  if (ec == std::errc() && end == sel.text.data() + sel.text.size() && index < arr.size() && arr.get(index)->is_table())
    return arr.get(index)->as_table();
  d.error(at(line, sel.col), "no [[" + array + "]] named '" + sel.text + "' (or with that index); " +
                                 suggest(sel.text, labels(arr, array, parent), "known"));
  return nullptr;
}

// Walks to the table that holds the last key, creating plain tables on the way.
toml::table* walk(toml::table& root, const Override& o, Diagnostics& d) {
  toml::table* cur = &root;
  std::string parent;  // the name of the element selected last, for default service names
  for (size_t i = 0; i + 1 < o.path.size(); ++i) {
    const Part& p = o.path[i];
    toml::node* child = cur->get(p.text);
    const bool is_array = std::find(kArrays.begin(), kArrays.end(), p.text) != kArrays.end();
    if (!child && is_array) {
      d.error(at(o.line, p.col), "there is no [[" + p.text + "]] to set a key in");
      return nullptr;
    }
    if (!child) child = cur->insert(p.text, toml::table{}).first->second.as_table();
    if (auto* arr = child->as_array(); arr && is_array) {
      if (++i + 1 >= o.path.size()) {
        d.error(at(o.line, p.col), "'" + p.text + "' needs an element and a key, e.g. node.api.cpu=0.5");
        return nullptr;
      }
      cur = select(*arr, p.text, o.path[i], parent, o.line, d);
      if (!cur) return nullptr;
      if (const auto* n = cur->get_as<std::string>("name")) parent = n->get();
      continue;
    }
    cur = child->as_table();
    if (!cur) {
      d.error(at(o.line, p.col), "'" + p.text + "' is " + type_name(*child) + ", not a table, so it holds no keys");
      return nullptr;
    }
  }
  return cur;
}

void apply(toml::table& root, const Override& o, Diagnostics& d) {
  toml::table* target = walk(root, o, d);
  if (!target) return;
  toml::table doc = value_doc(o);
  const Part& last = o.path.back();
  toml::source_region key_src;
  key_src.begin = {static_cast<toml::source_index>(o.line), static_cast<toml::source_index>(last.col)};
  key_src.end = key_src.begin;
  key_src.path = std::make_shared<const std::string>(kSetFile);
  const toml::key key(last.text, std::move(key_src));
  target->erase(last.text);
  doc.get("v")->visit([&](auto&& v) { target->insert_or_assign(key, std::move(v)); });
}

}  // namespace

void apply_overrides(toml::table& root, const std::vector<std::string>& overrides, Diagnostics& d) {
  for (size_t i = 0; i < overrides.size(); ++i)
    if (auto o = split(overrides[i], static_cast<int>(i) + 1, d)) apply(root, *o, d);
}

}  // namespace faultline::model::detail
