// SPDX-License-Identifier: Apache-2.0
// The topology's services and what calls what, resolved once: every call and
// every load's request kind to the callee's endpoint. The loader has checked
// that each names an endpoint that exists.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "orchestrator/model/topology.hpp"

namespace faultline::lint {

struct ServiceRef {
  const model::Node* node = nullptr;
  const model::Service* service = nullptr;
  std::vector<size_t> endpoints;  // indices into CallGraph::endpoints()
};

struct CallRef {
  const model::Call* call = nullptr;
  size_t callee = 0;              // an endpoint index
};

struct EndpointRef {
  size_t service = 0;             // an index into CallGraph::services()
  const model::Endpoint* endpoint = nullptr;
  std::vector<CallRef> calls;     // resolved; in the endpoint's order
};

// A load generator and where each kind of its requests goes, with its share.
struct LoadRef {
  const model::Node* node = nullptr;
  std::vector<std::pair<size_t, double>> targets;  // endpoint index, share of the requests
};

class CallGraph {
 public:
  explicit CallGraph(const model::Topology& topo);

  const std::vector<ServiceRef>& services() const { return services_; }
  const std::vector<EndpointRef>& endpoints() const { return endpoints_; }
  const std::vector<LoadRef>& loads() const { return loads_; }
  const model::Service& service(size_t s) const { return *services_[s].service; }
  const std::string& name(size_t s) const { return services_[s].service->name; }
  std::optional<size_t> find_service(const std::string& name) const;
  // The endpoint a call or a load's request reaches.
  std::optional<size_t> resolve(const std::string& node, uint16_t port, const std::string& path) const;

 private:
  std::vector<ServiceRef> services_;
  std::vector<EndpointRef> endpoints_;
  std::vector<LoadRef> loads_;
};

}  // namespace faultline::lint
