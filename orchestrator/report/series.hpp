// SPDX-License-Identifier: Apache-2.0
// timeseries.csv (long form: t,node,service,metric,value) turned columnar for
// the page: one shared time axis, and per (metric, node, service) one array of
// values aligned to it, null where that series has no sample. Columnar data is
// a fraction of the CSV's size and the page can plot it without parsing text.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace faultline::report {

// {"t": [..], "series": [{"m": metric, "n": node, "s": service, "v": [..]}],
//  "skipped": lines that could not be read}. Values are rounded to 6
// significant digits (the page shows 3 or 4); NaN and infinities become null.
// A header line is recognised by its first field "t" and skipped.
nlohmann::json columnar_series(const std::string& csv);

}  // namespace faultline::report
