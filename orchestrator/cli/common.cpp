// SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/model/loader.hpp"
#include "orchestrator/runtime/binaries.hpp"
#include "orchestrator/runtime/state.hpp"

namespace faultline::cli {

namespace {

[[noreturn]] void refuse(const std::vector<model::Diagnostic>& errors, const std::string& name, bool json) {
  for (const auto& d : errors) std::fprintf(stderr, "%s\n", d.str().c_str());
  if (json) {
    auto list = nlohmann::json::array();
    for (const auto& d : errors)
      list.push_back({{"file", d.loc.file}, {"line", d.loc.line}, {"col", d.loc.col}, {"message", d.message}});
    std::printf("%s\n", nlohmann::json{{"file", name}, {"ok", false}, {"errors", list}}.dump(2).c_str());
  }
  fail(Failure::kBadInput, std::to_string(errors.size()) + " error(s) in " + name + "; nothing was created");
}

}  // namespace

model::TopologySource read_or_die(const std::string& file, bool json) {
  std::vector<model::Diagnostic> errors;
  auto src = model::read_source(file, errors);
  if (!src) refuse(errors, model::source_name(file), json);
  return std::move(*src);
}

model::Topology load_or_die(const model::TopologySource& src, const std::vector<std::string>& set, bool json) {
  auto r = model::load_source(src, set);
  if (!r.errors.empty()) refuse(r.errors, src.name, json);
  return std::move(*r.topology);
}

model::Topology load_run_or_die(const model::TopologySource& src, const std::vector<std::string>& set) {
  auto r = model::load_source_for_run(src, set);
  if (!r.errors.empty()) refuse(r.errors, src.name, false);
  return std::move(*r.topology);
}

model::Topology load_or_die(const std::string& file, const std::vector<std::string>& set) {
  return load_or_die(read_or_die(file), set);
}

std::string recorded_file(const std::string& file) {
  if (file == model::kStdinPath) return model::kStdinName;
  std::error_code ec;
  const auto abs = std::filesystem::absolute(file, ec);
  return ec ? file : abs.string();
}

runtime::RunState require_run(const std::string& run) {
  auto st = runtime::valid_run_name(run) ? runtime::read_run(run) : Result<runtime::RunState>(sys_error(ENOENT, run));
  if (!st.ok())
    fail(Failure::kBadInput, "no run named '" + run + "'; `faultline status` lists the runs");
  return std::move(st.value());
}

void require_root(const std::string& what) {
  if (::geteuid() != 0)
    fail(Failure::kEnvironment, what + " needs root (namespaces, netlink and cgroups); run it with sudo");
}

std::string choose_run_name(const model::Topology& t, const std::string& wanted) {
  if (!wanted.empty()) {
    if (!runtime::valid_run_name(wanted))
      fail(Failure::kBadInput, "run name '" + wanted +
                                          "' is not allowed: use 1 to 40 of a-z, 0-9 and '-', starting with a "
                                          "letter or digit");
    return wanted;
  }
  std::string base;
  for (char c : t.experiment.name) {
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    base += (std::isalnum(static_cast<unsigned char>(l)) ? l : '-');
  }
  while (!base.empty() && base.front() == '-') base.erase(base.begin());
  if (base.size() > 32) base.resize(32);
  if (base.empty()) base = "run";
  std::string name = base;
  for (int i = 2; ::access(runtime::run_dir(name).c_str(), F_OK) == 0; ++i) name = base + "-" + std::to_string(i);
  return name;
}

plan::PlanOptions plan_options(const model::Topology& t, const std::string& run, bool kernel_netem,
                               std::vector<std::string>& missing) {
  plan::PlanOptions o;
  o.kernel_netem = kernel_netem;
  o.config_dir = runtime::run_dir(run) + "/" + plan::kWorkloadDir;
  bool services = false, loads = false;
  for (const auto& n : t.nodes) {
    services = services || !n.services.empty();
    loads = loads || n.load.has_value();
  }
  auto find = [&](bool needed, const runtime::Binary& b, std::string& out) {
    if (!needed) return;
    auto path = runtime::find_binary(b);
    if (path.ok())
      out = path.value();
    else
      missing.push_back(path.error().context);
  };
  find(services, runtime::kServiceBinary, o.service_binary);
  find(loads, runtime::kLoadgenBinary, o.loadgen_binary);
  return o;
}

}  // namespace faultline::cli
