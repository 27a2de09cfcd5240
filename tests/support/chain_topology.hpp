// SPDX-License-Identifier: Apache-2.0
// Chains for tests, as TOML.
//
// kChainNodes: a chain of services for tests of the experiment's pure parts, as TOML:
// client (load) -> api -> app -> db. api's call to app retries under a budget
// and has a breaker, app's call to db retries with neither, db has its own
// SLO. Tests add their [experiment] before it and links, segments, faults
// and expectations after it. Also a bare line of three nodes, and a busy
// node beside a calm one.
#pragma once

namespace faultline::testing {

inline constexpr const char* kChainNodes = R"(
[[node]]
name = "client"
load = { target = "api:80", rate = 10 }
[[node]]
name = "api"
service = [{ port = 80, calls = [{ to = "app:80", retries = 2, budget = "10%", breaker = {} }] }]
[[node]]
name = "app"
service = [{ port = 80, calls = [{ to = "db:80", retries = 3 }] }]
[[node]]
name = "db"
service = [{ port = 80, slo = "40ms" }]
)";

// Three bare nodes in a line, client - api - db, over two plain links: for
// tests of the kernel objects a run builds. No [experiment] (a test puts its
// own before it) and the api-db [[link]] last, so that a test can append keys
// of that link (e.g. `loss = "5%"`).
inline constexpr const char* kThreeNodeChain = R"(
[[node]]
name = "client"
[[node]]
name = "api"
[[node]]
name = "db"
[[link]]
between = ["client", "api"]
[[link]]
between = ["api", "db"]
)";

// Two busy loops on half a core beside a node that sleeps every 250 ms (its
// own `command`s, no workload): the run-queue delay's tests.
inline constexpr const char* kBusyAndCalm = R"(
[[node]]
name = "busy"
cpu = 0.5
command = "exec sh -c 'while :; do :; done & while :; do :; done'"
[[node]]
name = "calm"
command = "exec sh -c 'while :; do sleep 0.25; done'"
[[link]]
between = ["busy", "calm"]
)";

// A user's own programs and no faultline workload: curl in a loop on api
// against a Python HTTP server on db.
inline constexpr const char* kOwnPrograms = R"(
[[node]]
name = "api"
command = "exec sh -c 'while true; do curl -s -o /dev/null -m 1 http://db:8080/; sleep 0.1; done'"
[[node]]
name = "db"
command = "exec /usr/bin/python3 -m http.server 8080 --bind 0.0.0.0"
[[link]]
between = ["api", "db"]
)";

}  // namespace faultline::testing
