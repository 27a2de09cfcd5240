/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Shared by partition.bpf.c and its C++ loader: the layout of the rule and
 * counter maps. One header, so the two sides cannot drift; the loader
 * static_asserts the sizes. */
#ifndef FAULTLINE_EBPF_PARTITION_H
#define FAULTLINE_EBPF_PARTITION_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#define FL_PART_MAX_RULES 64
/* Two rule sets: the loader writes the inactive one, then flips the active
 * index with a single map update, so a change is atomic for every packet. */
#define FL_PART_SLOTS 2

/* A rule drops IPv4 packets arriving at this node that match it. Addresses are
 * in network byte order; a mask of 0 matches anything. */
struct fl_part_rule {
  __u32 src_net;
  __u32 src_mask;
  __u32 dst_net;
  __u32 dst_mask;
  __u16 dport_lo;   /* host order; 0/0 = any port */
  __u16 dport_hi;
  __u8 proto;       /* IPPROTO_*; 0 = any */
  __u8 pad[3];
  __u32 id;         /* the orchestrator's rule id, for counters */
  __u64 flap_on_ns; /* 0: always on; else on for flap_on_ns, off for flap_off_ns */
  __u64 flap_off_ns;
  __u64 flap_epoch_ns; /* bpf_ktime_get_ns() at which the first "on" began */
};

struct fl_part_slot {
  __u32 nr_rules;
  __u32 pad;
  struct fl_part_rule rules[FL_PART_MAX_RULES];
};

/* The verdict on the first fragment of a fragmented IPv4 datagram, kept so
 * that its later fragments (which carry no ports) share it. Keyed as the
 * kernel's reassembly is: source, destination, protocol, IP id. An LRU map:
 * datagrams whose later fragments never come are evicted by newer ones. */
#define FL_PART_FRAG_ENTRIES 1024
#define FL_PART_NO_RULE 0xffffffffu

struct fl_part_frag_key {
  __u32 saddr; /* network order, as on the wire */
  __u32 daddr;
  __u16 id;    /* network order */
  __u8 proto;
  __u8 pad;
};

struct fl_part_frag_verdict {
  __u32 counter; /* index into the counters map of the rule that matched, or FL_PART_NO_RULE */
  __u8 drop;
  __u8 pad[3];
};

struct fl_part_counters {
  __u64 matched_dropped;
  __u64 matched_passed; /* matched while a flapping rule was in its "off" phase */
};

#endif
