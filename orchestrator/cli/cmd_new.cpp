// SPDX-License-Identifier: Apache-2.0
// `faultline new NAME`: a commented starting topology in NAME.toml, for a
// person writing their first experiment: a load generator, two services
// with a retrying call, links, one fault and expectations, each key
// explained where it is set. It never overwrites a file, and what it writes
// validates (tests/integration/test_watch.cpp checks both).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "base/fd.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/runtime/state.hpp"

namespace faultline::cli {

namespace {

constexpr const char* kTemplate = R"TOML(# @NAME@: a starting experiment written by `faultline new`. Edit it, then:
#   faultline validate @NAME@.toml   check it (no root)
#   faultline lint @NAME@.toml       what is wrong on paper, with predicted latencies
#   faultline plan @NAME@.toml       what it creates, its phases, faults and expectations
#   faultline up @NAME@.toml         bring it up and inject faults by hand (faultline fault, faultline watch)
#   faultline run @NAME@.toml        the whole experiment: results/ and report.html
# Every key: docs/topology.md; the phases and verdicts: docs/experiments.md.

[experiment]
name = "@NAME@"
duration = "40s"    # the run's length (the recovery horizon may extend it)
seed = 1            # the same seed draws the same arrivals and service times
warmup = "3s"       # connections open, queues settle: measured, not judged
baseline = "10s"    # the fault-free reference every verdict compares with
horizon = "15s"     # after the last fault: does the system come back within this?
tick = "1s"         # how often everything is measured

# A load generator: open-loop arrivals aimed at the api, with a client
# timeout and one retry.
[[node]]
name = "client"
load = { target = "api:8080", rate = 50, arrival = "poisson", timeout = "1s", retries = 1 }

# The api: a worker pool with a bounded queue, a little CPU work per request,
# and a call to the db with a timeout and retries (each retry is more load
# on a db that is already slow: the mechanism to watch; `faultline lint`
# warns that the client's and the api's retries multiply, which is the point).
[[node]]
name = "api"
cpu = 0.5           # cores (a cgroup limit)
memory = "128MiB"
  [[node.service]]
  port = 8080
  workers = 16
  queue = 64
  work = "exp(500us)"
  calls = [{ to = "db:5432", timeout = "200ms", retries = 2, backoff = "10ms exp jitter" }]

[[node]]
name = "db"
cpu = 0.5
memory = "128MiB"
  [[node.service]]
  port = 5432
  workers = 4
  queue = 64
  work = "exp(2ms)"

# Real kernel links between the nodes, each with its own delay.
[[link]]
between = ["client", "api"]
delay = "1ms"

[[link]]
between = ["api", "db"]
delay = "1ms"

# The fault: the db loses most of its CPU for 10 s. Other targets:
# link:A-B (delay, loss, rate, partition), segment:S, load:N (rate).
[[fault]]
at = "15s"
for = "10s"
target = "node:db"
cpu = 0.1

# What must hold for `faultline run` to pass (exit code 0).
[expect]
collapse = false
recovers_within = "15s"
)TOML";

}  // namespace

int cmd_new(const std::string& name, const std::string& dir) {
  // The name becomes the experiment's and the default run name.
  if (!runtime::valid_run_name(name))
    fail(Failure::kBadInput, "new: '" + name + "' is not a name: use [a-z0-9][a-z0-9-]*, at most 40 characters");
  std::string body = kTemplate;
  for (size_t at; (at = body.find("@NAME@")) != std::string::npos;) body.replace(at, 6, name);
  const std::string path = (dir.empty() ? "." : dir) + "/" + name + ".toml";
  // O_EXCL: an existing file (or a link where it would go) is never replaced.
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    if (errno == EEXIST) fail(Failure::kBadInput, "new: " + path + " exists; nothing was written (choose another name)");
    fail(Failure::kEnvironment, "new: create " + path + ": " + std::strerror(errno));
  }
  for (size_t off = 0; off < body.size();) {
    const ssize_t n = ::write(fd.get(), body.data() + off, body.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::unlink(path.c_str());
      fail(Failure::kEnvironment, "new: write " + path + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  std::printf("wrote %s: check it with `faultline validate %s`, see it with `faultline plan %s`\n", path.c_str(),
              path.c_str(), path.c_str());
  return 0;
}

}  // namespace faultline::cli
