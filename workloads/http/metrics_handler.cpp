// SPDX-License-Identifier: Apache-2.0
#include "workloads/http/metrics_handler.hpp"

#include <prometheus/text_serializer.h>

namespace faultline::workloads::http {

Response MetricsHandler::respond() const {
  auto families = registry_->Collect();
  auto process = process_.Collect();
  families.insert(families.end(), std::make_move_iterator(process.begin()), std::make_move_iterator(process.end()));
  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, kMetricsContentType);
  res.body() = prometheus::TextSerializer{}.Serialize(families);
  return res;
}

}  // namespace faultline::workloads::http
