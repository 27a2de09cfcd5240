// SPDX-License-Identifier: Apache-2.0
// Kernel feature probes for `faultline doctor` and backend selection. Every
// answer comes from trying the thing (in a throwaway namespace), never from a
// version number.
#pragma once

#include <string>
#include <vector>

namespace faultline::runtime {

// What is probed. Callers ask by the enum; the names are what `doctor` and
// summary.json's host.features print.
enum class KernelFeature {
  kCapNetAdmin,
  kCapSysAdmin,
  kCgroupCpu,
  kCgroupMemory,
  kCgroupPids,
  kCgroupFreezer,
  kBtf,
  kPsi,
  kAfPacket,
  kAfXdp,
  kVeth,
  kSchNetem,
  kSchFq,
  kSchTbf,
  kSchHtb,
  kClsact,
  kClsBpf,
  kFlowView,  // the flow view's programs load and attach (ebpf/flow_loader.hpp)
};
const char* to_string(KernelFeature f);

struct Feature {
  KernelFeature id;
  bool present = false;
  std::string detail;  // why: the errno of the attempt, a path, a layout
  const char* name() const { return to_string(id); }
};

struct Probe {
  bool root = false;
  std::vector<Feature> features;
  std::string cgroup_layout;

  bool has(KernelFeature f) const;
  // Partitions need both (tc clsact and cls_bpf programs).
  bool has_clsact_bpf() const { return has(KernelFeature::kClsact) && has(KernelFeature::kClsBpf); }
  // Which backend each later feature uses, and why.
  std::vector<std::pair<std::string, std::string>> backends() const;
  std::string render() const;
};

// Runs every probe. Without root only what needs no privilege is probed.
Probe probe_kernel();

}  // namespace faultline::runtime
