// SPDX-License-Identifier: Apache-2.0
// The run state: one folder per run under the state root, holding a journal
// (state.jsonl) in which every kernel object and process is recorded before it
// is created (or, for a pid, as soon as it exists: holders and node processes
// die with the run's owner, so none can outlive an unrecorded fork). Cleanup
// reads the journal and removes exactly what it lists, nothing found by name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "orchestrator/runtime/proc.hpp"

namespace faultline::runtime {

// $FAULTLINE_STATE_DIR, else /run/faultline (tmpfs: gone at reboot, as are
// the namespaces and cgroups it describes).
std::string state_root();
std::string run_dir(const std::string& run);

// Run names become cgroup and folder names: [a-z0-9][a-z0-9-]{0,39}.
bool valid_run_name(const std::string& name);

struct HolderRecord {
  std::string ns;       // node name or "fabric"
  ProcId id;
  uint64_t netns_inode = 0;
};

struct ProcessRecord {
  std::string node;
  std::string name;
  ProcId id;
};

// Everything the journal says about one run.
struct RunState {
  std::string run;
  std::string dir;
  std::string file;          // the topology file
  ProcId owner;
  bool persistent = false;   // `up` (stays after the CLI exits) vs foreground/experiment
  int64_t created_unix = 0;
  std::vector<std::string> cgroups;   // in creation order (parents first)
  std::vector<HolderRecord> holders;
  std::vector<ProcessRecord> processes;
  std::vector<std::string> nodes;
  bool ready = false;

  const HolderRecord* holder(const std::string& ns) const;
  bool owner_alive() const;
};

// Append-only journal; each record is flushed to disk before the object it
// names is created.
class Journal {
 public:
  // Creates the run folder (EEXIST when the run name is taken).
  static Result<Journal> create(const std::string& run);
  Journal() = default;
  Journal(Journal&&) noexcept = default;
  Journal& operator=(Journal&&) noexcept = default;

  Status append(const nlohmann::json& record);
  Status run_started(const std::string& file, bool persistent, const std::vector<std::string>& nodes);
  Status cgroup(const std::string& rel_path);
  Status holder(const HolderRecord& h);
  Status process(const ProcessRecord& p);
  Status process_exited(const ProcId& id, int status);
  Status ready();
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  UniqueFd fd_;
};

Result<RunState> read_run(const std::string& run);
// Every run folder under the state root (a torn last line is ignored).
std::vector<RunState> list_runs();
// Removes the run's folder (after everything it lists is gone).
Status remove_run_dir(const std::string& run);

}  // namespace faultline::runtime
