// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/runtime/state.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <nlohmann/json.hpp>

namespace faultline::runtime {

using nlohmann::json;

std::string state_root() {
  const char* env = std::getenv("FAULTLINE_STATE_DIR");
  return (env && *env) ? std::string(env) : std::string("/run/faultline");
}

std::string run_dir(const std::string& run) { return state_root() + "/" + run; }

bool valid_run_name(const std::string& name) {
  static const std::regex re("^[a-z0-9][a-z0-9-]{0,39}$");
  return std::regex_match(name, re);
}

const HolderRecord* RunState::holder(const std::string& ns) const {
  for (const auto& h : holders)
    if (h.ns == ns) return &h;
  return nullptr;
}

bool RunState::owner_alive() const { return owner.pid > 0 && is_alive(owner); }

namespace {

Status mkdirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return sys_error(ec.value(), "create folder " + path);
  return {};
}

json proc_json(const ProcId& id) { return json{{"pid", id.pid}, {"start", id.start_time}}; }
ProcId proc_from(const json& j) { return ProcId{j.at("pid").get<pid_t>(), j.at("start").get<uint64_t>()}; }

}  // namespace

Result<Journal> Journal::create(const std::string& run) {
  FL_TRY(mkdirs(state_root()));
  const std::string dir = run_dir(run);
  if (::mkdir(dir.c_str(), 0700) != 0) return sys_error("create run folder " + dir);
  Journal j;
  j.dir_ = dir;
  j.fd_.reset(::open((dir + "/state.jsonl").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600));
  if (!j.fd_.valid()) return sys_error("create " + dir + "/state.jsonl");
  return j;
}

Status Journal::append(const json& record) {
  std::string line = record.dump() + "\n";
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_.get(), p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("append to " + dir_ + "/state.jsonl");
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  // In the file before the object exists: a crash of the orchestrator right
  // after must find the record, and the page cache outlives the process. No
  // fdatasync: what is recorded (namespaces, interfaces, cgroups, processes)
  // lives in kernel memory and is gone after a kernel crash or power loss
  // too, and a flush per record cost a disk write per node (/run need not be
  // a tmpfs).
  return {};
}

Status Journal::run_started(const std::string& file, bool persistent, const std::vector<std::string>& nodes) {
  auto self = proc_id(::getpid());
  if (!self.ok()) return self.error();
  return append(json{{"type", "run"},
                     {"run", std::filesystem::path(dir_).filename().string()},
                     {"file", file},
                     {"owner", proc_json(*self)},
                     {"persistent", persistent},
                     {"created", static_cast<int64_t>(std::time(nullptr))},
                     {"nodes", nodes}});
}

Status Journal::cgroup(const std::string& rel) { return append(json{{"type", "cgroup"}, {"path", rel}}); }

Status Journal::holder(const HolderRecord& h) {
  return append(json{{"type", "holder"}, {"ns", h.ns}, {"proc", proc_json(h.id)}, {"netns", h.netns_inode}});
}

Status Journal::process(const ProcessRecord& p) {
  return append(json{{"type", "process"}, {"node", p.node}, {"name", p.name}, {"proc", proc_json(p.id)}});
}

Status Journal::process_exited(const ProcId& id, int status) {
  return append(json{{"type", "exit"}, {"proc", proc_json(id)}, {"status", status}});
}

Status Journal::ready() { return append(json{{"type", "ready"}}); }

Result<RunState> read_run(const std::string& run) {
  RunState st;
  st.run = run;
  st.dir = run_dir(run);
  std::ifstream in(st.dir + "/state.jsonl");
  if (!in) {
    // A folder without its journal: an owner killed between making the
    // folder and the journal (Journal::create) recorded, and so created,
    // nothing. It is a run whose owner is unknown (dead), for `status` to
    // show and `cleanup` to remove; its name would be taken for good else.
    std::error_code ec;
    if (std::filesystem::is_directory(st.dir, ec)) return st;
    return sys_error(ENOENT, "read state of run " + run + " (" + st.dir + "/state.jsonl)");
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) continue;  // a torn last line after a crash
    try {
      const std::string type = j.value("type", "");
      if (type == "run") {
        st.file = j.value("file", "");
        st.owner = proc_from(j.at("owner"));
        st.persistent = j.value("persistent", false);
        st.created_unix = j.value("created", int64_t{0});
        st.nodes = j.value("nodes", std::vector<std::string>{});
      } else if (type == "cgroup") {
        st.cgroups.push_back(j.at("path").get<std::string>());
      } else if (type == "holder") {
        st.holders.push_back({j.at("ns").get<std::string>(), proc_from(j.at("proc")), j.value("netns", uint64_t{0})});
      } else if (type == "process") {
        st.processes.push_back({j.at("node").get<std::string>(), j.value("name", ""), proc_from(j.at("proc"))});
      } else if (type == "ready") {
        st.ready = true;
      }
    } catch (const json::exception&) {
      continue;  // a record from a newer or broken writer: skip, keep the rest
    }
  }
  return st;
}

std::vector<RunState> list_runs() {
  std::vector<RunState> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(state_root(), ec)) {
    if (!e.is_directory()) continue;
    const std::string name = e.path().filename().string();
    if (!valid_run_name(name)) continue;
    auto st = read_run(name);
    if (st.ok()) out.push_back(std::move(st.value()));
  }
  std::sort(out.begin(), out.end(), [](const RunState& a, const RunState& b) { return a.run < b.run; });
  return out;
}

Status remove_run_dir(const std::string& run) {
  if (!valid_run_name(run)) return logic_error("refusing to remove run folder of invalid name '" + run + "'");
  std::error_code ec;
  std::filesystem::remove_all(run_dir(run), ec);
  if (ec) return sys_error(ec.value(), "remove " + run_dir(run));
  return {};
}

}  // namespace faultline::runtime
