// SPDX-License-Identifier: Apache-2.0
// Bring-up and teardown cost of topologies, against the same star built by a
// plain shell script with one `ip` command per object, measured in the same run.
//
//   fl_bench_topology [--sizes 10,100,1000] [--chain 100] [--baseline-max 1000]
//
// Prints ms per node for up and down, the peak RSS of this process, the ratio
// against the script, and whether anything was left behind.
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "orchestrator/plan/plan.hpp"
#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/netlink.hpp"
#include "orchestrator/runtime/run.hpp"

using namespace faultline;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

model::Topology star(int n) {
  model::Topology t;
  t.experiment.name = "bench-star";
  model::Segment s;
  s.name = model::SegmentId{"lan"};
  for (int i = 0; i < n; ++i) {
    model::Node node;
    node.name = model::NodeId{"n" + std::to_string(i)};
    t.nodes.push_back(node);
    s.members.push_back(node.name);
  }
  t.segments.push_back(s);
  return t;
}

model::Topology chain(int n) {
  model::Topology t;
  t.experiment.name = "bench-chain";
  for (int i = 0; i < n; ++i) {
    model::Node node;
    node.name = model::NodeId{"n" + std::to_string(i)};
    t.nodes.push_back(node);
    if (i > 0) {
      model::Link l;
      l.a = model::NodeId{"n" + std::to_string(i - 1)};
      l.b = node.name;
      t.links.push_back(l);
    }
  }
  return t;
}

std::set<std::string> host_links() {
  std::set<std::string> out;
  auto s = runtime::NlSocket::open();
  if (s.ok()) {
    auto n = s->link_names();
    if (n.ok()) out.insert(n->begin(), n->end());
  }
  return out;
}

// Distinct network namespaces some process is in.
size_t netns_count() {
  std::set<ino_t> seen;
  DIR* d = ::opendir("/proc");
  if (!d) return 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    struct stat st;
    if (::stat((std::string("/proc/") + e->d_name + "/ns/net").c_str(), &st) == 0) seen.insert(st.st_ino);
  }
  ::closedir(d);
  return seen.size();
}

// The kernel frees a network namespace asynchronously after its last process
// is gone; a run started while thousands are still being freed competes with
// that work. Each measurement therefore starts after a settling pause.
void settle(int nodes) { ::usleep(static_cast<useconds_t>(std::max(1'000, nodes * 5)) * 1000); }

struct Row {
  std::string what;
  int nodes = 0;
  double up_ms = 0, down_ms = 0;
  bool leftovers = false;
  runtime::RunTimings phases;  // faultline rows: where the time went
};

Row bench_faultline(const std::string& what, const model::Topology& topo) {
  Row r;
  r.what = what;
  r.nodes = static_cast<int>(topo.nodes.size());
  const auto links0 = host_links();
  const size_t ns0 = netns_count();
  const auto plan = plan::make_plan(topo, "bench-" + std::to_string(::getpid()));
  runtime::RunOptions opts;
  opts.log_dir = "/tmp/fl-bench-logs-" + std::to_string(::getpid());
  opts.start_processes = false;
  const auto t0 = Clock::now();
  auto run = runtime::Run::up(plan, opts);
  const auto t1 = Clock::now();
  if (!run.ok()) {
    std::fprintf(stderr, "up failed: %s\n", run.error().message().c_str());
    std::exit(1);
  }
  const Status st = run.value()->down();
  const auto t2 = Clock::now();
  r.phases = run.value()->timings();
  if (!st.ok()) std::fprintf(stderr, "down: %s\n", st.error().message().c_str());
  run.value().reset();
  r.up_ms = ms(t0, t1);
  r.down_ms = ms(t1, t2);
  settle(r.nodes);
  // Namespaces are freed asynchronously by the kernel once their last holder is gone.
  size_t ns1 = netns_count();
  for (int i = 0; i < 50 && ns1 > ns0; ++i) {
    ::usleep(20'000);
    ns1 = netns_count();
  }
  r.leftovers = host_links() != links0 || ns1 > ns0 || access(("/sys/fs/cgroup/cpu/faultline/" + plan.run).c_str(), F_OK) == 0;
  std::system(("rm -rf " + opts.log_dir).c_str());
  return r;
}

// The same star with one `ip` command per object (netns, bridge, veth, master,
// up, address), as a hand-written script would; torn down with `ip netns del`.
Row bench_script(int n) {
  Row r;
  r.what = "ip script star";
  r.nodes = n;
  const std::string p = "flb" + std::to_string(::getpid() % 100000);
  std::ostringstream up, down;
  up << "set -e\nip netns add " << p << "f\nip -n " << p << "f link add br0 type bridge\nip -n " << p
     << "f link set br0 up\n";
  for (int i = 0; i < n; ++i) {
    const std::string ns = p + "n" + std::to_string(i);
    up << "ip netns add " << ns << "\n";
    up << "ip -n " << ns << " link set lo up\n";
    up << "ip -n " << p << "f link add m" << i << " type veth peer name lan netns " << ns << "\n";
    up << "ip -n " << p << "f link set m" << i << " master br0 up\n";
    up << "ip -n " << ns << " link set lan up\n";
    up << "ip -n " << ns << " addr add 10.88." << (i / 250) << "." << (i % 250 + 1) << "/16 dev lan\n";
    down << "ip netns del " << ns << "\n";
  }
  down << "ip netns del " << p << "f\n";
  const std::string upf = "/tmp/" + p + "-up.sh", downf = "/tmp/" + p + "-down.sh";
  FILE* f = std::fopen(upf.c_str(), "w");
  std::fputs(up.str().c_str(), f);
  std::fclose(f);
  f = std::fopen(downf.c_str(), "w");
  std::fputs(down.str().c_str(), f);
  std::fclose(f);
  const auto t0 = Clock::now();
  const int rc1 = std::system(("bash " + upf).c_str());
  const auto t1 = Clock::now();
  const int rc2 = std::system(("bash " + downf + " >/dev/null 2>&1").c_str());
  const auto t2 = Clock::now();
  if (rc1 != 0 || rc2 != 0) std::fprintf(stderr, "baseline script failed (%d, %d)\n", rc1, rc2);
  r.up_ms = ms(t0, t1);
  r.down_ms = ms(t1, t2);
  settle(r.nodes);
  std::remove(upf.c_str());
  std::remove(downf.c_str());
  return r;
}

std::vector<int> parse_list(const char* s) {
  std::vector<int> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) v.push_back(std::atoi(item.c_str()));
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (::geteuid() != 0) {
    std::fprintf(stderr, "fl_bench_topology needs root\n");
    return 3;
  }
  std::vector<int> sizes{10, 100, 1000};
  int chain_n = 100, baseline_max = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--sizes") sizes = parse_list(argv[i + 1]);
    else if (a == "--chain") chain_n = std::atoi(argv[i + 1]);
    else if (a == "--baseline-max") baseline_max = std::atoi(argv[i + 1]);
  }
  settle(1000);
  std::vector<Row> rows;
  std::vector<std::pair<int, Row>> baseline;
  for (int n : sizes) {
    rows.push_back(bench_faultline("faultline star", star(n)));
    if (n <= baseline_max) baseline.push_back({n, bench_script(n)});
  }
  if (chain_n > 0) rows.push_back(bench_faultline("faultline chain", chain(chain_n)));

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("%-18s %6s %10s %10s %12s %12s %10s %s\n", "what", "nodes", "up ms", "down ms", "up ms/node",
              "down ms/node", "vs script", "leftovers");
  for (const auto& r : rows) {
    std::string ratio = "-";
    for (const auto& [n, b] : baseline)
      if (n == r.nodes && r.what == "faultline star") {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1fx", (b.up_ms + b.down_ms) / (r.up_ms + r.down_ms));
        ratio = buf;
      }
    std::printf("%-18s %6d %10.1f %10.1f %12.3f %12.3f %10s %s\n", r.what.c_str(), r.nodes, r.up_ms, r.down_ms,
                r.up_ms / r.nodes, r.down_ms / r.nodes, ratio.c_str(), r.leftovers ? "YES" : "none");
  }
  for (const auto& [n, b] : baseline)
    std::printf("%-18s %6d %10.1f %10.1f %12.3f %12.3f %10s\n", b.what.c_str(), n, b.up_ms, b.down_ms, b.up_ms / n,
                b.down_ms / n, "1.0x");
  std::printf("\nphases (ms): up = namespaces + links + addresses/routes/running + waiting for the cgroups (made "
              "on a second thread during links and addresses: cgroups); down = processes + namespaces + cgroups\n");
  for (const auto& r : rows) {
    const auto& p = r.phases;
    std::printf("%-18s %6d  up %7.1f %7.1f %7.1f %7.1f (cgroups %.1f)   down %7.1f %7.1f %7.1f\n", r.what.c_str(),
                r.nodes, p.holders_ms, p.links_ms, p.addresses_ms, p.cgroups_wait_ms, p.cgroups_ms,
                p.down_processes_ms, p.down_holders_ms, p.down_cgroups_ms);
  }
  std::printf("peak RSS of the orchestrator: %.1f MiB\n", ru.ru_maxrss / 1024.0);
  bool any = false;
  for (const auto& r : rows) any = any || r.leftovers;
  return any ? 1 : 0;
}
