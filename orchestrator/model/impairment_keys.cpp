// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/model/impairment_keys.hpp"

#include <algorithm>
#include <set>

namespace faultline::model::detail {

const std::vector<std::string>& impairment_keys() {
  static const std::vector<std::string> keys = {"delay",
                                                "jitter",
                                                "jitter_distribution",
                                                "delay_correlation",
                                                "loss",
                                                "loss_correlation",
                                                "loss_model",
                                                "gemodel_p",
                                                "gemodel_r",
                                                "gemodel_h",
                                                "gemodel_k",
                                                "duplicate",
                                                "corrupt",
                                                "reorder",
                                                "rate",
                                                "overhead",
                                                "limit",
                                                "limit_bytes"};
  return keys;
}

KeyNodes impairment_nodes(const toml::table& t) {
  KeyNodes out;
  for (const auto& k : impairment_keys())
    if (const auto* n = t.get(k)) out.emplace(k, n);
  return out;
}

KeyNodes overlay(KeyNodes base, const KeyNodes& top) {
  // The two loss models exclude each other, so the loss keys replace as a
  // group: loss = "10%" over a gemodel link means random loss, and
  // loss = "0%" drops the link's loss_correlation with its loss.
  static const std::vector<std::string> loss_group = {"loss",      "loss_correlation", "loss_model", "gemodel_p",
                                                      "gemodel_r", "gemodel_h",        "gemodel_k"};
  const bool replaces_loss =
      std::any_of(loss_group.begin(), loss_group.end(), [&](const std::string& k) { return top.contains(k); });
  if (replaces_loss)
    for (const auto& k : loss_group) base.erase(k);
  for (const auto& [k, n] : top) base.insert_or_assign(k, n);
  return base;
}

namespace {

constexpr int64_t kMaxOverhead = 1024;
constexpr int64_t kMaxLimitPackets = 1'000'000;

// Reads one key at a time, remembering which ones were invalid so that the
// combination checks stay quiet about them.
class Reader {
 public:
  Reader(Diagnostics& d, const KeyNodes& keys) : d_(d), keys_(keys) {}

  const toml::node* node(const std::string& k) const {
    auto it = keys_.find(k);
    return it == keys_.end() ? nullptr : it->second;
  }
  bool has(const std::string& k) const { return node(k) != nullptr; }
  bool bad(const std::string& k) const { return bad_.contains(k); }
  bool any_bad() const { return !bad_.empty(); }

  template <class T, class Fn>
  void read(const std::string& k, T& out, Fn fn) {
    const auto* n = node(k);
    if (!n) return;
    if (auto v = fn(d_, k, *n))
      out = static_cast<T>(*v);
    else
      bad_.insert(k);
  }
  void fail(const std::string& k, const std::string& message) {
    bad_.insert(k);
    d_.error(d_.loc(*node(k)), k + ": " + message);
  }

 private:
  Diagnostics& d_;
  const KeyNodes& keys_;
  std::set<std::string> bad_;
};

auto integer_in(int64_t lo, int64_t hi) {
  return [lo, hi](Diagnostics& d, std::string_view k, const toml::node& n) { return read_integer(d, k, n, lo, hi); };
}

std::optional<netem::JitterDist> read_jitter_dist(Diagnostics& d, std::string_view k, const toml::node& n) {
  auto s = read_choice(d, k, n, {"uniform", "normal", "pareto", "paretonormal"});
  if (!s) return std::nullopt;
  return netem::jitter_dist_from_string(*s);
}

std::optional<netem::LossModel> read_loss_model(Diagnostics& d, std::string_view k, const toml::node& n) {
  auto s = read_choice(d, k, n, {"random", "gemodel"});
  if (!s) return std::nullopt;
  return *s == "gemodel" ? netem::LossModel::kGilbertElliott : netem::LossModel::kRandom;
}

void read_values(Reader& r, netem::Impairment& imp) {
  r.read("delay", imp.delay_ns, read_duration);
  r.read("jitter", imp.jitter_ns, read_duration);
  r.read("jitter_distribution", imp.jitter_dist, read_jitter_dist);
  r.read("delay_correlation", imp.delay_correlation_ppm, read_percent);
  r.read("loss", imp.loss_ppm, read_percent);
  r.read("loss_correlation", imp.loss_correlation_ppm, read_percent);
  r.read("loss_model", imp.loss_model, read_loss_model);
  r.read("gemodel_p", imp.gilbert.p_ppm, read_percent);
  r.read("gemodel_r", imp.gilbert.r_ppm, read_percent);
  r.read("gemodel_h", imp.gilbert.h_ppm, read_percent);
  r.read("gemodel_k", imp.gilbert.k_ppm, read_percent);
  r.read("duplicate", imp.duplicate_ppm, read_percent);
  r.read("corrupt", imp.corrupt_ppm, read_percent);
  r.read("reorder", imp.reorder_ppm, read_percent);
  r.read("rate", imp.rate_bps, read_rate);
  r.read("overhead", imp.overhead_bytes, integer_in(-kMaxOverhead, kMaxOverhead));
  r.read("limit", imp.limit_packets, integer_in(1, kMaxLimitPackets));
  r.read("limit_bytes", imp.limit_bytes, read_bytes);
  // A zero rate is not "unlimited" (that is leaving rate out): it would
  // block the link, which is what a partition fault says explicitly.
  if (r.has("rate") && !r.bad("rate") && imp.rate_bps == 0)
    r.fail("rate", "0 would stop all traffic; leave rate out for an unlimited link, or use action = \"partition\"");
  if (r.has("limit_bytes") && !r.bad("limit_bytes") && imp.limit_bytes == 0)
    r.fail("limit_bytes", "0 would drop every packet; leave limit_bytes out for no byte limit");
}

// "x needs y": x is set (non-zero) while y is absent or zero.
void needs(Reader& r, const std::string& key, bool key_set, const std::string& dep, bool dep_set,
           const std::string& why) {
  if (!key_set || dep_set || r.bad(key) || r.bad(dep)) return;
  r.fail(key, why);
}

void check_gemodel(Reader& r, const netem::Impairment& imp) {
  const bool ge = imp.loss_model == netem::LossModel::kGilbertElliott;
  if (!ge && !r.bad("loss_model")) {
    std::vector<std::string> present;
    for (const char* k : {"gemodel_p", "gemodel_r", "gemodel_h", "gemodel_k"})
      if (r.has(k)) present.push_back(k);
    if (present.empty()) return;
    std::string list;
    for (const auto& k : present) list += (list.empty() ? "" : ", ") + k;
    r.fail(present.front(), list + (present.size() == 1 ? " only applies" : " only apply") +
                                " with loss_model = \"gemodel\" (the Gilbert-Elliott loss model); add it");
    return;
  }
  if (!ge) return;
  if (!r.has("gemodel_p") || !r.has("gemodel_r"))
    r.fail("loss_model",
           "\"gemodel\" needs gemodel_p (good -> bad) and gemodel_r (bad -> good), e.g. gemodel_p = "
           "\"1%\", gemodel_r = \"25%\"");
  for (const char* k : {"loss", "loss_correlation"})
    if (r.has(k) && !r.bad(k))
      r.fail(k,
             "is the random loss model's; with loss_model = \"gemodel\" the loss comes from gemodel_p, gemodel_r, "
             "gemodel_h and gemodel_k (or set loss_model = \"random\")");
}

void check_combination(Reader& r, const netem::Impairment& imp) {
  const bool delay = imp.delay_ns > 0, jitter = imp.jitter_ns > 0;
  needs(r, "jitter", jitter, "delay", delay,
        "jitter needs a delay: netem varies the delay by the jitter, so set delay (e.g. delay = \"20ms\")");
  needs(r, "jitter_distribution", r.has("jitter_distribution"), "jitter", jitter,
        "only applies with a jitter (e.g. jitter = \"5ms\")");
  needs(r, "delay_correlation", imp.delay_correlation_ppm > 0, "jitter", jitter,
        "correlates the jitter, so it needs a jitter (e.g. jitter = \"5ms\")");
  needs(r, "reorder", imp.reorder_ppm > 0, "delay", delay,
        "reorder needs a delay: netem reorders by sending some packets at once, ahead of the delayed ones, so set "
        "delay (e.g. delay = \"10ms\")");
  needs(r, "overhead", imp.overhead_bytes != 0, "rate", imp.rate_bps > 0,
        "only applies to the rate computation, so it needs a rate (e.g. rate = \"100Mbit\")");
  if (imp.loss_model == netem::LossModel::kRandom)
    needs(r, "loss_correlation", imp.loss_correlation_ppm > 0, "loss", imp.loss_ppm > 0,
          "correlates the loss, so it needs a loss (e.g. loss = \"1%\")");
  check_gemodel(r, imp);
}

}  // namespace

ImpairmentRead read_impairment(Diagnostics& d, const KeyNodes& keys, bool combination) {
  Reader r(d, keys);
  ImpairmentRead out;
  read_values(r, out.imp);
  if (combination) check_combination(r, out.imp);
  out.ok = !r.any_bad();
  return out;
}

}  // namespace faultline::model::detail
