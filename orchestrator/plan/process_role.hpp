// SPDX-License-Identifier: Apache-2.0
// What a process the run starts in a node is: a service (its records are
// that service's), the node's load generator (the node's load records) or
// the node's own command (no records). Carried from the plan to the run's
// exits, so that what ended is known without reading its display name.
#pragma once

namespace faultline::plan {

enum class ProcessRole { kUnknown, kService, kLoad, kCommand };

}  // namespace faultline::plan
