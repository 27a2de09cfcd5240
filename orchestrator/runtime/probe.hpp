// Kernel feature probes for `faultline doctor` and backend selection. Every
// answer comes from trying the thing (in a throwaway namespace), never from a
// version number.
#pragma once

#include <string>
#include <vector>

namespace faultline::runtime {

struct Feature {
  std::string name;
  bool present = false;
  std::string detail;  // why: the errno of the attempt, a path, a layout
};

struct Probe {
  bool root = false;
  std::vector<Feature> features;
  std::string cgroup_layout;

  bool has(const std::string& name) const;
  // Which backend each later feature uses, and why.
  std::vector<std::pair<std::string, std::string>> backends() const;
  std::string render() const;
};

// Runs every probe. Without root only what needs no privilege is probed.
Probe probe_kernel();

}  // namespace faultline::runtime
