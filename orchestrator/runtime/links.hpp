// Live link impairments and partitions of a run, whatever carries them: the
// userspace link engine (started here, in the fabric namespace), kernel netem
// qdiscs, or eBPF partition filters at the receiving nodes' ingress. The same
// calls serve the experiment timeline and `faultline fault` at the keyboard.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "netem/impairment.hpp"
#include "orchestrator/plan/plan.hpp"

namespace faultline::ebpf {
class PartitionFilter;
}

namespace faultline::runtime {

class Run;
class NodeProcess;

enum class Direction { kBoth, kAtoB, kBtoA };

struct PartitionSpec {
  std::vector<std::string> from, to;  // node names: traffic from `from` to `to` is dropped
  uint8_t proto = 0;                  // 0 any, 1 icmp, 6 tcp, 17 udp
  uint16_t port_lo = 0, port_hi = 0;  // destination ports (tcp/udp); 0: any
  int64_t flap_on_ns = 0, flap_off_ns = 0;
  std::string describe() const;
};

struct PartitionInfo {
  uint32_t id = 0;
  PartitionSpec spec;
  uint64_t dropped = 0, passed = 0;
};

class LinkControl {
 public:
  // Starts what the plan needs to impair links live: offloads off on engine
  // ports, the link engine, kernel qdiscs. Partition filters attach lazily.
  static Result<std::unique_ptr<LinkControl>> start(Run& run, bool kernel_clsact_bpf);
  ~LinkControl();

  // The impairment of a link direction / segment now, and what the plan gave it.
  Result<netem::Impairment> current_link(const std::string& link, Direction d) const;
  Result<netem::Impairment> current_segment(const std::string& seg) const;
  Status set_link(const std::string& link, Direction d, const netem::Impairment& imp);
  Status set_segment(const std::string& seg, const netem::Impairment& imp);
  Status reset_link(const std::string& link);     // back to the planned impairments
  Status reset_segment(const std::string& seg);

  Result<uint32_t> partition(const PartitionSpec& spec);
  Status heal(uint32_t id);
  Status heal_all();
  std::vector<PartitionInfo> partitions() const;

  // Engine counters (its "stats" answer) or null when no engine runs.
  nlohmann::json engine_stats() const;
  // Everything active now, for `faultline fault RUN list`.
  nlohmann::json describe() const;
  // Resolves "api-db" or "db-api" to the plan's link name and whether the
  // order was swapped.
  Result<std::pair<std::string, bool>> resolve_link(const std::string& name) const;

 private:
  explicit LinkControl(Run& run);
  Status start_engine();
  Status install_qdiscs();
  Status apply(const std::string& link, Direction d, const netem::Impairment& imp);
  Status install_partitions(const std::string& node);

  Run& run_;
  bool bpf_ok_ = false;
  std::string engine_sock_;
  std::unique_ptr<NodeProcess> engine_;
  // link name -> {a->b, b->a} now; segment name -> now.
  std::map<std::string, std::pair<netem::Impairment, netem::Impairment>> links_now_, links_planned_;
  std::map<std::string, netem::Impairment> segs_now_, segs_planned_;
  std::map<std::string, std::unique_ptr<ebpf::PartitionFilter>> filters_;
  std::map<uint32_t, PartitionSpec> partitions_;
  std::set<std::string> kernel_qdisc_;  // "node:ifname" given a netem qdisc live
  uint32_t next_partition_ = 1;
};

const char* to_string(Direction d);

}  // namespace faultline::runtime
