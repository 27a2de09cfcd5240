// SPDX-License-Identifier: Apache-2.0
#include <set>
#include <string>
#include <string_view>

#include "fuzz/entries/entries.hpp"
#include "orchestrator/measure/prom_text.hpp"

namespace faultline::fuzz {

int prom_text(const uint8_t* data, size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  auto r = measure::parse_prom_text(s);
  if (!r.ok()) {
    check(r.error().message().find("metrics line ") != std::string::npos, "a refused page names the line");
    return 0;
  }
  std::set<std::string> seen;
  for (const auto& smp : *r) {
    check(!smp.name.empty(), "every sample has a name");
    for (const auto& [k, v] : smp.labels) check(!k.empty(), "every label has a name: " + smp.name);
    if (!seen.insert(smp.name).second) continue;  // once per name: quadratic otherwise
    // What the collector does with what it reads: sums, histograms and
    // their quantiles (run for what the sanitizers see; garbage counts have
    // no right answer to check).
    (void)measure::sum(*r, smp.name, smp.labels);
    constexpr std::string_view kBucket = "_bucket";
    if (smp.name.size() > kBucket.size() && smp.name.ends_with(kBucket)) {
      const std::string base = smp.name.substr(0, smp.name.size() - kBucket.size());
      const auto buckets = measure::histogram_buckets(*r, base, smp.labels);
      (void)measure::quantile(measure::bucket_delta(buckets, measure::histogram_buckets(*r, base)), 0.5);
      (void)measure::histogram_quantile(*r, base, 0.99);
    }
  }
  return 0;
}

}  // namespace faultline::fuzz
