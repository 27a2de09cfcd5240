// SPDX-License-Identifier: Apache-2.0
// Static routes along shortest paths, the forwarding set, and per-node
// /etc/hosts (each name resolves to the address on the path from that node).
#pragma once

#include "orchestrator/model/topology.hpp"
#include "orchestrator/plan/plan.hpp"

namespace faultline::plan {

// Fills p.routes, p.forwarding_nodes and p.hosts from p.subnets and p.addresses.
void compute_routes(const model::Topology& topo, Plan& p);

}  // namespace faultline::plan
