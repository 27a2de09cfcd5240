/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
// The flow view: what the kernel sees on the wire between the nodes of a run,
// from tracepoints (no kprobes, no tc hook: nothing is attached to the run's
// interfaces, so it never changes a packet's fate). The tracepoints are
// global; each event is kept only when it happens in a watched network
// namespace (the loader fills `nodes`: netns inode -> node index), and is
// counted per (node, source, destination) in per-CPU maps the loader sums.
//
// Programs are tp_btf: attached by name (BPF_RAW_TRACEPOINT_OPEN), which
// needs no tracefs, and read the kernel's structures through BTF directly.
// The loader turns off the ones whose tracepoint this kernel lacks.
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "flow.h"

#define ETH_P_IP 0x0800
#define AF_INET 2
#define IPPROTO_TCP 6
#define FL_TCP_ESTABLISHED 1
#define FL_TCP_SYN_SENT 2
#define FL_TCP_CLOSE 7

char LICENSE[] SEC("license") = "Dual BSD/GPL";

// Loopback traffic inside a node (the collector's scrapes, a service's calls
// to itself) is no node pair's; set to 0 to keep it.
const volatile __u8 skip_loopback = 1;

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, FL_FLOW_MAX_NODES);
  __type(key, __u32);   // netns inode
  __type(value, __u32); // node index
} nodes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, FL_FLOW_ENTRIES);
  __type(key, struct fl_flow_key);
  __type(value, struct fl_flow_counters);
} flows SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, FL_FLOW_DROP_ENTRIES);
  __type(key, struct fl_flow_drop_key);
  __type(value, __u64);
} drop_reasons SEC(".maps");

// Events dropped because a map was full.
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, FL_FLOW_LOST_SLOTS);
  __type(key, __u32);
  __type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(void) {
  __u32 zero = 0;
  __u64 *l = bpf_map_lookup_elem(&lost, &zero);
  if (l) (*l)++;
}

// The orchestrator's own network namespace (set by the loader): no node's,
// and where most tasks and packets of the host are, so the node map is not
// asked for it.
const volatile __u32 host_netns = 0;

// The node of the namespace with that inode, or 0.
static __always_inline __u32 *node_of_netns(__u32 inum) {
  if (!inum || inum == host_netns) return 0;
  return bpf_map_lookup_elem(&nodes, &inum);
}

static __always_inline __u32 *node_of_net(const struct net *net) {
  if (!net) return 0;
  return node_of_netns(net->ns.inum);
}

static __always_inline __u32 *node_of_sk(const struct sock *sk) {
  if (!sk) return 0;
  return node_of_net(sk->__sk_common.skc_net.net);
}

static __always_inline int loopback(__u32 addr) {
  return skip_loopback && (bpf_ntohl(addr) >> 24) == 127;
}

// The counters of (node, s, d), created at zero on first use.
static __always_inline struct fl_flow_counters *flow(__u32 node, __u32 s, __u32 d) {
  struct fl_flow_key k = {.node = node, .saddr = s, .daddr = d};
  struct fl_flow_counters *c = bpf_map_lookup_elem(&flows, &k);
  if (c) return c;
  struct fl_flow_counters zero = {};
  bpf_map_update_elem(&flows, &k, &zero, BPF_NOEXIST);
  c = bpf_map_lookup_elem(&flows, &k);
  if (!c) count_lost();
  return c;
}

// A TCP/IPv4 socket's local and remote addresses (full, request or
// timewait: the common part holds them in all three).
static __always_inline int sk_addrs(const struct sock *sk, __u32 *local, __u32 *remote) {
  if (sk->__sk_common.skc_family != AF_INET) return -1;
  *local = sk->__sk_common.skc_rcv_saddr;
  *remote = sk->__sk_common.skc_daddr;
  if (loopback(*local) || loopback(*remote)) return -1;
  return 0;
}

// The IPv4 header of an skb whose network header is set.
static __always_inline int skb_addrs(const struct sk_buff *skb, __u32 *s, __u32 *d) {
  if (skb->protocol != bpf_htons(ETH_P_IP)) return -1;
  struct iphdr ip;
  if (bpf_probe_read_kernel(&ip, sizeof ip, skb->head + skb->network_header) < 0) return -1;
  if (ip.version != 4) return -1;
  *s = ip.saddr;
  *d = ip.daddr;
  if (loopback(*s) || loopback(*d)) return -1;
  return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(fl_xmit, const struct sk_buff *skb, const struct net_device *dev) {
  __u32 *node = node_of_net(dev->nd_net.net);
  if (!node) return 0;
  __u32 s, d;
  if (skb_addrs(skb, &s, &d) < 0) return 0;
  struct fl_flow_counters *c = flow(*node, s, d);
  if (!c) return 0;
  // A GSO packet leaves as gso_segs packets on the wire (veth passes it on
  // whole; a real NIC or the link engine's ports would cut it).
  const struct skb_shared_info *shi = (const struct skb_shared_info *)(skb->head + skb->end);
  __u16 segs = BPF_CORE_READ(shi, gso_segs);
  c->packets += segs ? segs : 1;
  c->bytes += skb->len;
  // The sender's smoothed RTT, where the packet is an established TCP
  // socket's: a packet-weighted mean per pair, over the tick.
  // An established TCP socket is a full tcp_sock; skb->sk is an RCU
  // pointer the sock-cast helpers refuse, so the field is read by CO-RE.
  struct sock *sk = skb->sk;
  if (sk && sk->__sk_common.skc_state == FL_TCP_ESTABLISHED && sk->sk_protocol == IPPROTO_TCP) {
    const struct tcp_sock *tp = (const struct tcp_sock *)sk;
    c->srtt_us_sum += BPF_CORE_READ(tp, srtt_us) >> 3;
    c->srtt_samples++;
  }
  return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(fl_drop, struct sk_buff *skb, void *location, enum skb_drop_reason reason, struct sock *rx_sk) {
  // A frame addressed to another host (a copy a promiscuous or shared port
  // saw) is no loss of the flow: its own copy went where it was sent.
  if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_OTHERHOST) &&
      reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_OTHERHOST))
    return 0;
  // The namespace of the socket that dropped it, else of its device.
  __u32 *node = node_of_sk(rx_sk);
  if (!node) node = node_of_sk(skb->sk);
  if (!node && skb->dev) node = node_of_net(skb->dev->nd_net.net);
  if (!node) return 0;
  __u32 s, d;
  if (skb_addrs(skb, &s, &d) < 0) return 0;
  struct fl_flow_counters *c = flow(*node, s, d);
  if (c) c->drops++;
  struct fl_flow_drop_key k = {.node = *node, .saddr = s, .daddr = d, .reason = (__u32)reason};
  __u64 *n = bpf_map_lookup_elem(&drop_reasons, &k);
  if (n) {
    (*n)++;
    return 0;
  }
  __u64 one = 1;
  if (bpf_map_update_elem(&drop_reasons, &k, &one, BPF_NOEXIST) < 0) {
    n = bpf_map_lookup_elem(&drop_reasons, &k);  // another CPU's event made it meanwhile
    if (n)
      (*n)++;
    else
      count_lost();
  }
  return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(fl_retransmit, const struct sock *sk, const struct sk_buff *skb) {
  __u32 *node = node_of_sk(sk);
  if (!node) return 0;
  __u32 local, remote;
  if (sk_addrs(sk, &local, &remote) < 0) return 0;
  struct fl_flow_counters *c = flow(*node, local, remote);
  if (c) c->retransmits++;
  return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(fl_send_reset, const struct sock *sk, const struct sk_buff *skb) {
  __u32 *node = 0;
  __u32 local, remote;
  if (sk) {
    node = node_of_sk(sk);
    if (!node || sk_addrs(sk, &local, &remote) < 0) return 0;
  } else if (skb) {
    // No socket (nothing listens on the port): the reset answers skb, so it
    // goes back to where skb came from.
    if (!skb->dev) return 0;
    node = node_of_net(skb->dev->nd_net.net);
    if (!node || skb_addrs(skb, &remote, &local) < 0) return 0;
  } else {
    return 0;
  }
  struct fl_flow_counters *c = flow(*node, local, remote);
  if (c) c->resets_sent++;
  return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(fl_receive_reset, struct sock *sk) {
  __u32 *node = node_of_sk(sk);
  if (!node) return 0;
  __u32 local, remote;
  if (sk_addrs(sk, &local, &remote) < 0) return 0;
  struct fl_flow_counters *c = flow(*node, remote, local);
  if (c) c->resets_received++;
  return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(fl_set_state, const struct sock *sk, const int oldstate, const int newstate) {
  if (sk->sk_protocol != IPPROTO_TCP) return 0;
  if (newstate != FL_TCP_SYN_SENT && !(oldstate == FL_TCP_SYN_SENT && newstate == FL_TCP_CLOSE)) return 0;
  __u32 *node = node_of_sk(sk);
  if (!node) return 0;
  __u32 local, remote;
  if (sk_addrs(sk, &local, &remote) < 0) return 0;
  struct fl_flow_counters *c = flow(*node, local, remote);
  if (!c) return 0;
  if (newstate == FL_TCP_SYN_SENT)
    c->connects++;
  else
    c->connect_failed++;
  return 0;
}

// ---------------------------------------------------------------------------
// Run-queue delay per node: how long the node's runnable tasks waited for a
// CPU. Only tasks of a watched network namespace count; the task's storage
// (freed by the kernel with the task) keeps its node and, while its namespace
// stays the same, spares the node map a look-up. Two sources, one loaded:
//
// sched_info (fl_switch_info): the kernel accounts every task's waits itself
// (CONFIG_SCHED_INFO: sched_info.run_delay, the summed waits, and .pcount, the
// runs). At sched_switch the outgoing task's figures already hold the wait
// that preceded the run now ending, so one program on the switch, reading
// two fields and no clock, counts each wait once, when its run ends. This is
// the cheap one: sched_switch runs on every context switch of the host.
//
// wakeups (fl_wakeup, fl_wakeup_new, fl_switch), for kernels without
// sched_info: a wait begins when a task is woken or switched out still
// runnable (preempted) and ends when it is switched in; the programs time it
// with bpf_ktime_get_ns.

#define FL_TASK_RUNNING 0

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct fl_runq_task);
} runq_tasks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, FL_FLOW_MAX_NODES);
  __type(key, __u32);  // node index
  __type(value, struct fl_runq_counters);
} runq SEC(".maps");

// The two fields of the kernel's own accounting, as a CO-RE flavor: found
// by name in the running kernel's BTF, and absent from a kernel built
// without CONFIG_SCHED_INFO (whose vmlinux.h would not know them either).
struct sched_info___fl {
  unsigned long pcount;
  unsigned long long run_delay;
} __attribute__((preserve_access_index));
struct task_struct___fl {
  struct sched_info___fl sched_info;
} __attribute__((preserve_access_index));

// The inode of t's network namespace; 0 for a task on its way out, which
// has dropped its namespaces already (nsproxy NULL).
static __always_inline __u32 netns_of(const struct task_struct *t) {
  const struct nsproxy *nsp = t->nsproxy;
  if (!nsp || !nsp->net_ns) return 0;
  return nsp->net_ns->ns.inum;
}

// The histogram bucket of a wait of `us` microseconds: the number of
// binary digits of us (0 for under 1 us), at most the last bucket. Counted
// so that the verifier sees the bound (a branch-free log2 loses it).
static __always_inline __u32 runq_bucket(__u64 us) {
  __u32 b = 0;
  for (int i = 0; i < FL_RUNQ_BUCKETS - 1; ++i) {
    if (!us) break;
    us >>= 1;
    ++b;
  }
  return b;
}

// `n` waits of `d` ns in all ended for node `node`.
static __always_inline void count_waits(__u32 node, __u64 d, __u64 n) {
  struct fl_runq_counters *c = bpf_map_lookup_elem(&runq, &node);
  if (!c) return;
  c->delay_ns += d;
  c->waits += n;
  c->hist[runq_bucket(d / n / 1000)] += n;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(fl_switch_info, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state) {
  const struct task_struct___fl *acct = (const struct task_struct___fl *)prev;
  if (!bpf_core_field_exists(acct->sched_info)) return 0;  // the loader picks wakeups then
  struct fl_runq_task *w = bpf_task_storage_get(&runq_tasks, prev, 0, 0);
  const __u32 inum = netns_of(prev);
  if (!w || (inum && inum != w->netns)) {
    // First seen, or moved to another namespace: find its node.
    __u32 *node = node_of_netns(inum);
    if (!w && !node) return 0;  // no node's, and never was: nothing kept
    if (!w) w = bpf_task_storage_get(&runq_tasks, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!w) {
      count_lost();
      return 0;
    }
    w->node = node ? *node : FL_RUNQ_NO_NODE;
    w->netns = inum;
    // A task in its first run (forked zeroed) has waited once, for this
    // run, in this namespace: counted from zero. One seen later (the run
    // began before the programs, or it came from another namespace) starts
    // from what it has now.
    const __u64 from_zero = node && acct->sched_info.pcount <= 1;
    w->run_delay = from_zero ? 0 : acct->sched_info.run_delay;
    w->pcount = from_zero ? 0 : acct->sched_info.pcount;
  }
  // A task on its way out (no namespace) still counts for the node it had.
  if (w->node == FL_RUNQ_NO_NODE) return 0;
  const __u64 delay = acct->sched_info.run_delay, runs = acct->sched_info.pcount;
  if (runs <= w->pcount) return 0;
  const __u64 d = delay > w->run_delay ? delay - w->run_delay : 0, n = runs - w->pcount;
  w->run_delay = delay;
  w->pcount = runs;
  count_waits(w->node, d, n);
  return 0;
}

// A wait of task t begins now, when t is in a watched namespace.
static __always_inline void wait_begins(struct task_struct *t) {
  const __u32 inum = netns_of(t);
  if (!inum) return;
  struct fl_runq_task *w = bpf_task_storage_get(&runq_tasks, t, 0, 0);
  if (w && w->netns == inum) {
    w->queued_ns = w->node == FL_RUNQ_NO_NODE ? 0 : bpf_ktime_get_ns();
    return;
  }
  __u32 *node = node_of_netns(inum);
  if (!node) {
    if (w) w->queued_ns = 0;  // it left the run's namespaces
    return;
  }
  if (!w) w = bpf_task_storage_get(&runq_tasks, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!w) {
    count_lost();
    return;
  }
  w->node = *node;
  w->netns = inum;
  w->queued_ns = bpf_ktime_get_ns();
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(fl_wakeup, struct task_struct *p) {
  wait_begins(p);
  return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(fl_wakeup_new, struct task_struct *p) {
  wait_begins(p);
  return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(fl_switch, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state) {
  // Still runnable: it waits again from now. A task going to sleep needs
  // nothing: it is switched in again only after a wakeup, which starts its
  // next wait (and overwrites what a wakeup while it ran may have left).
  if (preempt || prev_state == FL_TASK_RUNNING) wait_begins(prev);
  struct fl_runq_task *w = bpf_task_storage_get(&runq_tasks, next, 0, 0);
  if (!w || !w->queued_ns) return 0;
  const __u64 now = bpf_ktime_get_ns();
  const __u64 d = now > w->queued_ns ? now - w->queued_ns : 0;
  w->queued_ns = 0;
  count_waits(w->node, d, 1);
  return 0;
}
