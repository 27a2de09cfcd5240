// SPDX-License-Identifier: Apache-2.0
// Must not compile: workloads/ sits below orchestrator/ (tests/layers).
#include "workloads/policy/backoff.hpp"
#include "orchestrator/model/topology.hpp"

int main() { return 0; }
