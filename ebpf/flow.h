/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Shared by flow.bpf.c and its C++ loader: the layout of the flow maps. One
 * header, so the two sides cannot drift; the loader static_asserts the sizes.
 *
 * Every counter is kept per (observing node, source address, destination
 * address) and is about packets that travel from the source to the
 * destination: a reset a node received from its peer counts on (peer, node),
 * one it sent on (node, peer). Userspace maps addresses to node pairs. */
#ifndef FAULTLINE_EBPF_FLOW_H
#define FAULTLINE_EBPF_FLOW_H

#ifndef __BPF__
#include <linux/types.h>
#endif

/* Network namespaces watched (one per node of a run). */
#define FL_FLOW_MAX_NODES 1024
/* Distinct (node, source, destination) triples, and the same with a drop
 * reason. A full map drops the new key's event and counts it in `lost`. */
#define FL_FLOW_ENTRIES 16384
#define FL_FLOW_DROP_ENTRIES 8192

struct fl_flow_key {
  __u32 node;  /* the loader's index of the observing node's netns */
  __u32 saddr; /* IPv4, network order */
  __u32 daddr;
};

struct fl_flow_counters {
  __u64 packets;          /* sent by a device of the node (net_dev_start_xmit) */
  __u64 bytes;
  __u64 drops;            /* freed as dropped in the node (skb:kfree_skb), any reason */
  __u64 retransmits;      /* tcp:tcp_retransmit_skb */
  __u64 resets_sent;      /* RSTs saddr sent to daddr (tcp:tcp_send_reset) */
  __u64 resets_received;  /* RSTs from saddr that daddr's socket took (tcp:tcp_receive_reset) */
  __u64 connects;         /* connection attempts begun (-> SYN_SENT) */
  __u64 connect_failed;   /* attempts that ended without being established (SYN_SENT -> CLOSE) */
  __u64 srtt_us_sum;      /* the sender's smoothed RTT, summed over the TCP packets it sent established */
  __u64 srtt_samples;
};

struct fl_flow_drop_key {
  __u32 node;
  __u32 saddr;
  __u32 daddr;
  __u32 reason; /* enum skb_drop_reason of the running kernel */
};

/* Index of the one slot of the `lost` per-CPU array. */
#define FL_FLOW_LOST_SLOTS 1

/* Run-queue delay per node: the time a task of the node spent runnable but
 * not running, from being woken (or preempted while still runnable) to being
 * switched in. Two sources fill the same counters (the loader uses one): the
 * kernel's own per-task accounting (task_struct.sched_info, CONFIG_SCHED_INFO)
 * read at each switch, or, on kernels without it, the scheduler's wakeup and
 * switch tracepoints timing each wait. Kept per node index (the same index as
 * fl_flow_key.node) in a per-CPU array. */

/* Log2 buckets of one wait in microseconds: bucket 0 holds waits under
 * 1 us, bucket i (0 < i < last) waits in [2^(i-1), 2^i) us, the last one
 * everything from 2^(FL_RUNQ_BUCKETS-2) us (~2.1 s) on. */
#define FL_RUNQ_BUCKETS 24

struct fl_runq_counters {
  __u64 delay_ns;               /* summed waits of the node's tasks */
  __u64 waits;                  /* how many waits ended (a task switched in) */
  __u64 hist[FL_RUNQ_BUCKETS];  /* the waits by length */
};

/* Per task (task storage): whose it is and where its wait stands. */
struct fl_runq_task {
  __u64 queued_ns; /* wakeups: bpf_ktime_get_ns() at wakeup or preemption; 0: not waiting */
  __u64 run_delay; /* sched_info: the task's sched_info.run_delay and .pcount when */
  __u64 pcount;    /* it was last switched out (what was counted up to then) */
  __u32 node;      /* FL_RUNQ_NO_NODE: a task seen in a namespace of no node */
  __u32 netns;     /* the inode `node` was found for: while the task's is the
                    * same, the node needs no look-up */
};
#define FL_RUNQ_NO_NODE 0xffffffffu

#endif
