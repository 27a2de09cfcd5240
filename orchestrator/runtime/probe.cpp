// SPDX-License-Identifier: Apache-2.0
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
#include "ebpf/flow_loader.hpp"
#include "orchestrator/runtime/cgroup.hpp"
#include "orchestrator/runtime/netlink.hpp"
#include "orchestrator/runtime/netns.hpp"

#ifndef AF_XDP
#define AF_XDP 44
#endif

namespace faultline::runtime {

const char* to_string(KernelFeature f) {
  using K = KernelFeature;
  switch (f) {
    case K::kCapNetAdmin: return "CAP_NET_ADMIN";
    case K::kCapSysAdmin: return "CAP_SYS_ADMIN";
    case K::kCgroupCpu: return "cgroup:cpu";
    case K::kCgroupMemory: return "cgroup:memory";
    case K::kCgroupPids: return "cgroup:pids";
    case K::kCgroupFreezer: return "cgroup:freezer";
    case K::kBtf: return "BTF";
    case K::kPsi: return "PSI";
    case K::kAfPacket: return "AF_PACKET";
    case K::kAfXdp: return "AF_XDP";
    case K::kVeth: return "veth";
    case K::kSchNetem: return "sch_netem";
    case K::kSchFq: return "sch_fq";
    case K::kSchTbf: return "sch_tbf";
    case K::kSchHtb: return "sch_htb";
    case K::kClsact: return "clsact";
    case K::kClsBpf: return "cls_bpf";
    case K::kFlowView: return "flow_view";
  }
  return "?";
}

bool Probe::has(KernelFeature id) const {
  for (const auto& f : features)
    if (f.id == id) return f.present;
  return false;
}

namespace {

std::string errstr(int err) { return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")"; }


// The qdiscs probed, and the kinds the kernel knows them by.
constexpr std::pair<KernelFeature, const char*> kQdiscs[] = {{KernelFeature::kSchNetem, "netem"},
                                                            {KernelFeature::kSchFq, "fq"},
                                                            {KernelFeature::kSchTbf, "tbf"},
                                                            {KernelFeature::kSchHtb, "htb"}};
// Every feature that needs root to probe.
constexpr KernelFeature kRootOnly[] = {KernelFeature::kSchNetem, KernelFeature::kSchFq, KernelFeature::kSchTbf,
                                       KernelFeature::kSchHtb,   KernelFeature::kClsact, KernelFeature::kClsBpf};

// Loads the flow view's programs and attaches them, then lets them go: what
// a run would do at `up`. Present when any attaches; the detail names the
// tracepoints skipped, or why nothing loaded.
Feature probe_flow_view() {
  Feature f{KernelFeature::kFlowView, false, ""};
  auto m = ebpf::FlowMonitor::load();
  if (!m.ok()) {
    f.detail = m.error().message();
    return f;
  }
  size_t attached = 0;
  std::string skipped;
  for (const auto& h : m->hooks()) {
    if (h.attached)
      ++attached;
    else
      skipped += "; " + h.tracepoint + ": " + h.why_not;
  }
  f.present = true;
  f.detail = "loaded, " + std::to_string(attached) + " of " + std::to_string(m->hooks().size()) +
             " tracepoints attached" + skipped + "; run-queue delay from " + ebpf::runq_name(m->runq());
  return f;  // the monitor's destructor detaches and unloads them
}

// Adds a root qdisc of `kind` to ifindex and removes it again.
Feature probe_qdisc(nl_sock* sk, int ifindex, KernelFeature id, const std::string& kind) {
  Feature f{id, false, ""};
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
  Feature f{KernelFeature::kClsact, false, ""};
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
  Feature f{KernelFeature::kClsBpf, false, ""};
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

Feature probe_socket(KernelFeature id, int family, int type, int proto) {
  Feature f{id, false, ""};
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
  p.features.push_back({KernelFeature::kCapNetAdmin, has_cap(12 /* CAP_NET_ADMIN */), "effective capability"});
  p.features.push_back({KernelFeature::kCapSysAdmin, has_cap(21 /* CAP_SYS_ADMIN */), "effective capability"});

  auto layout = CgroupLayout::probe();
  p.cgroup_layout = layout.ok() ? layout->describe() : layout.error().message();
  constexpr std::pair<KernelFeature, const char*> kControllers[] = {{KernelFeature::kCgroupCpu, "cpu"},
                                                                   {KernelFeature::kCgroupMemory, "memory"},
                                                                   {KernelFeature::kCgroupPids, "pids"},
                                                                   {KernelFeature::kCgroupFreezer, "freezer"}};
  for (const auto& [id, c] : kControllers) {
    Feature f{id, false, "not mounted"};
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
    p.features.push_back({KernelFeature::kBtf, bool(btf), btf ? "/sys/kernel/btf/vmlinux" : "no /sys/kernel/btf/vmlinux"});
  }
  {
    std::ifstream psi("/proc/pressure/cpu");
    p.features.push_back({KernelFeature::kPsi, bool(psi), psi ? "/proc/pressure/cpu" : "no /proc/pressure (PSI off)"});
  }
  p.features.push_back(probe_socket(KernelFeature::kAfPacket, AF_PACKET, SOCK_RAW, 0));
  p.features.push_back(probe_socket(KernelFeature::kAfXdp, AF_XDP, SOCK_RAW, 0));
  p.features.push_back(p.root ? probe_flow_view() : Feature{KernelFeature::kFlowView, false, "not probed: needs root"});

  if (!p.root) {
    for (KernelFeature n : kRootOnly) p.features.push_back({n, false, "not probed: needs root"});
    return p;
  }
  // Qdisc and tc probes run on a veth pair in a throwaway namespace.
  HolderSpec spec;
  spec.new_mount_ns = false;
  auto h = NodeHolder::spawn(spec);
  auto fail_all = [&](const std::string& why) {
    for (KernelFeature n : kRootOnly) p.features.push_back({n, false, why});
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
    p.features.push_back({KernelFeature::kVeth, false, veth.ok() ? "" : veth.error().message()});
    return p;
  }
  p.features.push_back({KernelFeature::kVeth, true, "created a veth pair in a probe namespace"});
  for (const auto& [id, kind] : kQdiscs) p.features.push_back(probe_qdisc(sock->raw(), idx.value(), id, kind));
  p.features.push_back(probe_clsact(sock->raw(), idx.value()));
  p.features.push_back(probe_cls_bpf(h->netns_fd(), idx.value()));
  return p;  // the holder's destructor removes the namespace and the veth
}

std::vector<std::pair<std::string, std::string>> Probe::backends() const {
  std::vector<std::pair<std::string, std::string>> out;
  using K = KernelFeature;
  if (has(K::kSchNetem))
    out.push_back({"link impairments", "kernel netem (sch_netem present)"});
  else
    out.push_back({"link impairments", "userspace link engine (no sch_netem on this kernel)"});
  if (has(K::kSchNetem) && (has(K::kSchTbf) || has(K::kSchHtb)))
    out.push_back({"rate limits", std::string("kernel ") + (has(K::kSchTbf) ? "tbf" : "htb")});
  else
    out.push_back({"rate limits", "userspace link engine"});
  if (has_clsact_bpf())
    out.push_back({"partitions", "eBPF tc programs at clsact ingress"});
  else
    out.push_back({"partitions", "userspace link engine (no clsact/cls_bpf)"});
  out.push_back({"node limits", "cgroups: " + cgroup_layout});
  std::string why_no_flows = "not probed";
  for (const auto& f : features)
    if (f.id == K::kFlowView) why_no_flows = f.detail;
  out.push_back({"flow view", has(K::kFlowView) ? "eBPF tracepoint programs (tp_btf)" : "none (" + why_no_flows + ")"});
  return out;
}

std::string Probe::render() const {
  std::string out;
  out += std::string("root: ") + (root ? "yes" : "no") + "\n";
  out += "cgroup layout: " + cgroup_layout + "\n";
  out += "features:\n";
  for (const auto& f : features) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "  %-14s %-4s ", f.name(), f.present ? "yes" : "no");
    out += buf + f.detail + "\n";
  }
  out += "backends:\n";
  for (const auto& [what, which] : backends()) out += "  " + what + ": " + which + "\n";
  return out;
}

}  // namespace faultline::runtime
