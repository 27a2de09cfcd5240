// [expect]: the hypotheses a run is judged by.
#include <algorithm>

#include "orchestrator/model/loader_internal.hpp"
#include "orchestrator/model/suggest.hpp"

namespace faultline::model::detail {
namespace {

const std::vector<std::string> kExpectKeys = {"recovers_within", "collapse", "max_amplification", "max_blast_radius",
                                              "check"};
const std::vector<std::string> kCheckKeys = {"name", "metric", "service", "aggregate", "phase", "op", "threshold"};

std::vector<std::string> service_names(const LoadState& s) {
  std::vector<std::string> out;
  for (const auto& [name, loc] : s.service_names) out.push_back(name);
  return out;
}

void read_non_empty(Table& t, const std::string& key, std::string& out) {
  auto v = t.string(key);
  if (!v) return;
  if (v->empty()) return t.fail(key, "is empty");
  out = *v;
}

void read_check_service(Table& t, LoadState& s, Check& c) {
  auto v = t.string("service");
  if (!v) return;
  // With a service name or port unread, "no such service" would be a guess.
  if (!s.service_names.contains(*v) && s.services_ok)
    return t.fail("service", "no service named '" + *v + "'; " + suggest(*v, service_names(s), "known services"));
  c.service = *v;
}

Check read_check(Diagnostics& d, const toml::table& raw, LoadState& s, std::map<std::string, SourceLoc>& names) {
  Table t(d, raw, "[[expect.check]]", kCheckKeys);
  Check c;
  c.loc = t.loc();
  if (t.require("name", "what the check is called in the report")) read_non_empty(t, "name", c.name);
  if (!c.name.empty()) {
    auto [it, inserted] = names.emplace(c.name, t.loc("name"));
    if (!inserted) t.fail("name", "'" + c.name + "' is already the name of the check at " + it->second.str());
  }
  if (t.require("metric", "what is measured, e.g. \"goodput\" or \"p99\"")) read_non_empty(t, "metric", c.metric);
  read_check_service(t, s, c);
  if (auto v = t.choice("aggregate", {"mean", "max", "min", "p50", "p99", "last"})) c.aggregate = *v;
  if (auto v = t.choice("phase", {"baseline", "fault", "recovery", "all"})) c.phase = *v;
  if (auto v = t.choice("op", {"<", "<=", ">", ">=", "=="})) c.op = *v;
  if (t.require("threshold", "the number the metric is compared with")) {
    if (auto v = t.number("threshold")) c.threshold = *v;
  }
  return c;
}

void read_expect_fields(Table& t, Expect& e) {
  if (auto v = t.duration("recovers_within")) {
    if (*v == 0)
      t.fail("recovers_within", "must be more than 0");
    else
      e.recovers_within_ns = *v;
  }
  if (auto v = t.boolean("collapse")) e.collapse = *v;
  if (auto v = t.number("max_amplification")) {
    // Amplification is attempts / offered: 1 means no retries at all.
    if (*v < 1.0)
      t.fail("max_amplification", format_number(*v) + " is below 1; allowed: 1 or more (attempts / offered requests)");
    else
      e.max_amplification = *v;
  }
  if (auto v = t.percent("max_blast_radius")) e.max_blast_radius_ppm = *v;
}

}  // namespace

void read_expect(Table& top, LoadState& s) {
  Expect& e = s.topo.expect;
  e.loc = top.loc();
  const toml::table* raw = top.table("expect");
  if (!raw) return;
  Table t(s.d, *raw, "[expect]", kExpectKeys);
  e.loc = t.loc();
  read_expect_fields(t, e);
  std::map<std::string, SourceLoc> names;
  for (const auto* c : t.tables("check")) e.checks.push_back(read_check(s.d, *c, s, names));
}

}  // namespace faultline::model::detail
