// SPDX-License-Identifier: Apache-2.0
// What the kernel holds of a node's partition filter, read back from the
// kernel itself and not from the loader's bookkeeping: the cls_bpf filter at
// clsact ingress (handle 1, priority 1) of an interface, its program, and
// the rules in force in its maps (the `active` index into `slots`). Tests of
// partial failures compare these before and after.
#pragma once

#include <net/if.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

#include <cstring>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "ebpf/partition.h"
#include "orchestrator/runtime/netlink.hpp"
#include "orchestrator/runtime/netns.hpp"

namespace faultline::testing {

struct FilterReadback {
  bool clsact = false;       // the interface has a clsact qdisc
  bool filter = false;       // a filter at ingress, handle 1, priority 1
  uint32_t prog_id = 0;
  std::string prog_name;     // the kernel keeps 15 characters: "fl_partition_in"
  bool partition = false;    // the program is partition.bpf.c's (it has its maps)
  std::vector<fl_part_rule> rules;  // in force now
  std::vector<uint32_t> ids() const {
    std::vector<uint32_t> out;
    for (const auto& r : rules) out.push_back(r.id);
    return out;
  }
};

namespace detail {

// The map of that name among the program's maps (invalid if none).
inline UniqueFd program_map(uint32_t prog_id, const char* name, std::string* prog_name = nullptr) {
  UniqueFd prog(bpf_prog_get_fd_by_id(prog_id));
  if (!prog.valid()) return {};
  uint32_t map_ids[16] = {};
  bpf_prog_info info{};
  info.nr_map_ids = 16;
  info.map_ids = reinterpret_cast<uint64_t>(map_ids);
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(prog.get(), &info, &len) != 0) return {};
  if (prog_name) *prog_name = info.name;
  for (uint32_t i = 0; i < info.nr_map_ids && i < 16; ++i) {
    UniqueFd m(bpf_map_get_fd_by_id(map_ids[i]));
    bpf_map_info mi{};
    uint32_t mlen = sizeof mi;
    if (m.valid() && bpf_obj_get_info_by_fd(m.get(), &mi, &mlen) == 0 && std::strcmp(mi.name, name) == 0) return m;
  }
  return {};
}

inline Status read_maps(uint32_t prog_id, FilterReadback& out) {
  UniqueFd active = program_map(prog_id, "active", &out.prog_name);
  UniqueFd slots = program_map(prog_id, "slots");
  if (!active.valid() || !slots.valid()) return {};  // another program
  out.partition = true;
  uint32_t zero = 0, idx = 0;
  if (bpf_map_lookup_elem(active.get(), &zero, &idx) != 0) return sys_error("read the active slot");
  idx &= 1;
  fl_part_slot slot{};
  if (bpf_map_lookup_elem(slots.get(), &idx, &slot) != 0) return sys_error("read the rule slot");
  for (uint32_t i = 0; i < slot.nr_rules && i < FL_PART_MAX_RULES; ++i) out.rules.push_back(slot.rules[i]);
  return {};
}

}  // namespace detail

// Reads the filter of interface `ifname` in the network namespace netns_fd.
inline Result<FilterReadback> read_partition_filter(int netns_fd, const std::string& ifname) {
  FilterReadback out;
  const Status st = runtime::in_netns(netns_fd, [&]() -> Status {
    const unsigned ifindex = ::if_nametoindex(ifname.c_str());
    if (ifindex == 0) return sys_error("no interface " + ifname);
    auto sock = runtime::NlSocket::open();
    if (!sock.ok()) return sock.error();
    nl_cache* cache = nullptr;
    if (rtnl_qdisc_alloc_cache(sock->raw(), &cache) < 0) return sys_error(EIO, "dump qdiscs");
    for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
      auto* tc = reinterpret_cast<rtnl_tc*>(o);
      const char* kind = rtnl_tc_get_kind(tc);
      if (rtnl_tc_get_ifindex(tc) == static_cast<int>(ifindex) && kind && std::strcmp(kind, "clsact") == 0)
        out.clsact = true;
    }
    nl_cache_free(cache);
    if (!out.clsact) return {};
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex), .attach_point = BPF_TC_INGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
    const int err = bpf_tc_query(&hook, &opts);
    // ENOENT: no such filter; EINVAL: the clsact has no filter at all
    // ("Cannot find specified filter chain").
    if (err == -ENOENT || err == -EINVAL) return {};
    if (err) return sys_error(-err, "query the ingress filter of " + ifname);
    out.filter = true;
    out.prog_id = opts.prog_id;
    return detail::read_maps(opts.prog_id, out);
  });
  if (!st.ok()) return st.error();
  return out;
}

// Freezes one map of the partition program attached to `ifname` (BPF_MAP_FREEZE:
// the kernel then refuses every write to it from user space), so that the
// next change of that node's rules fails where the kernel refuses it.
inline Status freeze_partition_map(int netns_fd, const std::string& ifname, const char* map_name) {
  auto r = read_partition_filter(netns_fd, ifname);
  if (!r.ok()) return r.error();
  if (!r->partition) return sys_error(ENOENT, "no partition filter on " + ifname);
  UniqueFd m = detail::program_map(r->prog_id, map_name);
  if (!m.valid()) return sys_error(ENOENT, std::string("no map ") + map_name);
  if (bpf_map_freeze(m.get()) != 0) return sys_error(std::string("freeze map ") + map_name);
  return {};
}

// Attaches a program of the test's own (it passes everything) at ingress,
// handle 1, priority 1, where the partition filter would go: the kernel then
// refuses the partition filter there (EEXIST).
inline Status occupy_partition_hook(int netns_fd, const std::string& ifname) {
  return runtime::in_netns(netns_fd, [&]() -> Status {
    const unsigned ifindex = ::if_nametoindex(ifname.c_str());
    if (ifindex == 0) return sys_error("no interface " + ifname);
    const bpf_insn insns[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},  // r0 = TC_ACT_OK
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
    };
    UniqueFd prog(bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "test_occupant", "GPL", insns, 2, nullptr));
    if (!prog.valid()) return sys_error("load the test's own tc program");
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex), .attach_point = BPF_TC_INGRESS);
    int err = bpf_tc_hook_create(&hook);
    if (err && err != -EEXIST) return sys_error(-err, "create clsact");
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog.get(), .handle = 1, .priority = 1);
    err = bpf_tc_attach(&hook, &opts);
    if (err) return sys_error(-err, "attach the test's own tc program");
    return {};
  });
}

}  // namespace faultline::testing
