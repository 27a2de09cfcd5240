// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace faultline::netem::engine {

// AF_PACKET receive ring layout (see port.hpp for the trade-off).
enum class RingVersion { kV2, kV3 };

}  // namespace faultline::netem::engine
