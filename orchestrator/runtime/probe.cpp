#include "orchestrator/runtime/probe.hpp"

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/tc.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cstring>
#include <fstream>

#include "base/nl_errno.hpp"
#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/netlink.hpp"
#include "orchestrator/runtime/netns.hpp"

#ifndef AF_XDP
#define AF_XDP 44
#endif

namespace faultline::runtime {

bool Probe::has(const std::string& name) const {
  for (const auto& f : features)
    if (f.name == name) return f.present;
  return false;
}

namespace {

std::string errstr(int err) { return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")"; }


// Adds a root qdisc of `kind` to ifindex and removes it again.
Feature probe_qdisc(nl_sock* sk, int ifindex, const std::string& kind) {
  Feature f{"sch_" + kind, false, ""};
  rtnl_qdisc* q = rtnl_qdisc_alloc();
  rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
  rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
  rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(1, 0));
  int err = rtnl_tc_set_kind(TC_CAST(q), kind.c_str());
  if (err == 0) {
    if (kind == "netem") {
      rtnl_netem_set_delay(q, 1000);
    } else if (kind == "tbf") {
      rtnl_qdisc_tbf_set_limit(q, 10000);
      rtnl_qdisc_tbf_set_rate(q, 125000, 1600, 0);
    } else if (kind == "htb") {
      rtnl_htb_set_defcls(q, 1);
    }
    err = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE);
  }
  if (err == 0) {
    f.present = true;
    f.detail = "added a root " + kind + " qdisc in a probe namespace";
    (void)rtnl_qdisc_delete(sk, q);
  } else {
    const int e = nle_to_errno(err);
    f.detail = (e == ENOENT || e == EINVAL || e == EOPNOTSUPP ? "kernel refused qdisc " + kind + ": "
                                                              : "probe failed: ") +
               nl_geterror(err);
  }
  rtnl_qdisc_put(q);
  return f;
}

Feature probe_clsact(nl_sock* sk, int ifindex) {
  Feature f{"clsact", false, ""};
  rtnl_qdisc* q = rtnl_qdisc_alloc();
  rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
  rtnl_tc_set_parent(TC_CAST(q), TC_H_CLSACT);
  rtnl_tc_set_handle(TC_CAST(q), TC_H_MAKE(TC_H_CLSACT, 0));
  int err = rtnl_tc_set_kind(TC_CAST(q), "clsact");
  if (err == 0) err = rtnl_qdisc_add(sk, q, NLM_F_CREATE);
  if (err == 0) {
    f.present = true;
    f.detail = "added clsact in a probe namespace";
    (void)rtnl_qdisc_delete(sk, q);
  } else {
    f.detail = std::string("kernel refused clsact: ") + nl_geterror(err);
  }
  rtnl_qdisc_put(q);
  return f;
}

// Loads "return TC_ACT_OK" as a sched_cls program and attaches it at clsact ingress.
Feature probe_cls_bpf(int netns_fd, int ifindex) {
  Feature f{"cls_bpf", false, ""};
  const bpf_insn prog[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0},  // r0 = TC_ACT_OK
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  const int pfd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "fl_probe", "GPL", prog, 2, nullptr);
  if (pfd < 0) {
    f.detail = "load a sched_cls program: " + errstr(-pfd);
    return f;
  }
  int attach_err = 0;
  (void)in_netns(netns_fd, [&]() -> Status {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = pfd, .handle = 1, .priority = 1);
    int err = bpf_tc_hook_create(&hook);
    if (err && err != -EEXIST) {
      attach_err = -err;
      return {};
    }
    err = bpf_tc_attach(&hook, &opts);
    if (err) attach_err = -err;
    hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
    (void)bpf_tc_hook_destroy(&hook);
    return {};
  });
  ::close(pfd);
  if (attach_err) {
    f.detail = "attach at clsact ingress: " + errstr(attach_err);
  } else {
    f.present = true;
    f.detail = "loaded and attached a tc program at ingress";
  }
  return f;
}

Feature probe_socket(const char* name, int family, int type, int proto) {
  Feature f{name, false, ""};
  const int fd = ::socket(family, type | SOCK_CLOEXEC, proto);
  if (fd >= 0) {
    f.present = true;
    f.detail = "socket() succeeded";
    ::close(fd);
  } else {
    f.detail = "socket(): " + errstr(errno);
  }
  return f;
}

// The effective capability set from /proc/self/status (no libcap needed).
bool has_cap(int cap) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      const unsigned long long eff = std::stoull(line.substr(7), nullptr, 16);
      return (eff >> cap) & 1ull;
    }
  }
  return false;
}

}  // namespace

Probe probe_kernel() {
  Probe p;
  p.root = ::geteuid() == 0;
  p.features.push_back({"CAP_NET_ADMIN", has_cap(12 /* CAP_NET_ADMIN */), "effective capability"});
  p.features.push_back({"CAP_SYS_ADMIN", has_cap(21 /* CAP_SYS_ADMIN */), "effective capability"});

  auto layout = CgroupLayout::probe();
  p.cgroup_layout = layout.ok() ? layout->describe() : layout.error().message();
  for (const char* c : {"cpu", "memory", "pids", "freezer"}) {
    Feature f{std::string("cgroup:") + c, false, "not mounted"};
    if (layout.ok()) {
      auto it = layout->controllers.find(c);
      if (it != layout->controllers.end()) {
        f.present = true;
        f.detail = std::string(it->second.v2 ? "v2 at " : "v1 at ") + it->second.mount;
      }
    }
    p.features.push_back(f);
  }
  {
    std::ifstream btf("/sys/kernel/btf/vmlinux");
    p.features.push_back({"BTF", bool(btf), btf ? "/sys/kernel/btf/vmlinux" : "no /sys/kernel/btf/vmlinux"});
  }
  {
    std::ifstream psi("/proc/pressure/cpu");
    p.features.push_back({"PSI", bool(psi), psi ? "/proc/pressure/cpu" : "no /proc/pressure (PSI off)"});
  }
  p.features.push_back(probe_socket("AF_PACKET", AF_PACKET, SOCK_RAW, 0));
  p.features.push_back(probe_socket("AF_XDP", AF_XDP, SOCK_RAW, 0));

  if (!p.root) {
    for (const char* n : {"sch_netem", "sch_fq", "sch_tbf", "sch_htb", "clsact", "cls_bpf"})
      p.features.push_back({n, false, "not probed: needs root"});
    return p;
  }
  // Qdisc and tc probes run on a veth pair in a throwaway namespace.
  HolderSpec spec;
  spec.new_mount_ns = false;
  auto h = NodeHolder::spawn(spec);
  auto fail_all = [&](const std::string& why) {
    for (const char* n : {"sch_netem", "sch_fq", "sch_tbf", "sch_htb", "clsact", "cls_bpf"})
      p.features.push_back({n, false, why});
  };
  if (!h.ok()) {
    fail_all("probe namespace: " + h.error().message());
    return p;
  }
  auto sock = NlSocket::open_in(h->netns_fd());
  if (!sock.ok()) {
    fail_all("probe netlink: " + sock.error().message());
    return p;
  }
  const Status veth = sock->create_veth("probe0", -1, "probe1", h->netns_fd());
  auto idx = sock->ifindex("probe0");
  if (!veth.ok() || !idx.ok()) {
    fail_all("probe veth: " + (veth.ok() ? idx.error().message() : veth.error().message()));
    p.features.push_back({"veth", false, veth.ok() ? "" : veth.error().message()});
    return p;
  }
  p.features.push_back({"veth", true, "created a veth pair in a probe namespace"});
  for (const char* k : {"netem", "fq", "tbf", "htb"}) p.features.push_back(probe_qdisc(sock->raw(), idx.value(), k));
  p.features.push_back(probe_clsact(sock->raw(), idx.value()));
  p.features.push_back(probe_cls_bpf(h->netns_fd(), idx.value()));
  return p;  // the holder's destructor removes the namespace and the veth
}

std::vector<std::pair<std::string, std::string>> Probe::backends() const {
  std::vector<std::pair<std::string, std::string>> out;
  if (has("sch_netem"))
    out.push_back({"link impairments", "kernel netem (sch_netem present)"});
  else
    out.push_back({"link impairments", "userspace link engine (no sch_netem on this kernel)"});
  if (has("sch_netem") && (has("sch_tbf") || has("sch_htb")))
    out.push_back({"rate limits", std::string("kernel ") + (has("sch_tbf") ? "tbf" : "htb")});
  else
    out.push_back({"rate limits", "userspace link engine"});
  if (has("clsact") && has("cls_bpf"))
    out.push_back({"partitions", "eBPF tc programs at clsact ingress"});
  else
    out.push_back({"partitions", "userspace link engine (no clsact/cls_bpf)"});
  out.push_back({"node limits", "cgroups: " + cgroup_layout});
  return out;
}

std::string Probe::render() const {
  std::string out;
  out += std::string("root: ") + (root ? "yes" : "no") + "\n";
  out += "cgroup layout: " + cgroup_layout + "\n";
  out += "features:\n";
  for (const auto& f : features) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "  %-14s %-4s ", f.name.c_str(), f.present ? "yes" : "no");
    out += buf + f.detail + "\n";
  }
  out += "backends:\n";
  for (const auto& [what, which] : backends()) out += "  " + what + ": " + which + "\n";
  return out;
}

}  // namespace faultline::runtime
