/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
// Partitions at tc ingress of a node's interfaces: full, asymmetric (only the
// receiver's side drops, so a->b can be cut while b->a passes), partial (by
// protocol and destination port, or by peer set) and flapping (on/off in the
// kernel clock, with no user-space timer in the loop). Dropping at the
// receiver, not at the sender's egress, makes the loss a network loss: a drop
// on the sender's own egress is reported to its socket as a local error.
//
// Fragments: ports are read from a datagram's first fragment only (fragment
// offset 0); later fragments carry payload where the ports would be. The
// verdict on a first fragment is kept in an LRU map by (source, destination,
// protocol, IP id), and the later fragments of that datagram get the same
// verdict (and count on the same rule). A later fragment whose first was not
// seen (it comes later, or was evicted) is judged without ports: rules with a
// port range do not match it, the others do as for any packet. That is
// consistent with the first fragment's fate either way: the datagram is
// delivered only if the first fragment passes, when it is judged in full.
#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "partition.h"

#define ETH_P_IP 0x0800
#define ETH_HLEN 14
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

// Dual-licensed like the file; the kernel counts "Dual BSD/GPL" as GPL-compatible,
// which the helpers this program calls require.
char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, FL_PART_SLOTS);
  __type(key, __u32);
  __type(value, struct fl_part_slot);
} slots SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} active SEC(".maps");

// Indexed by slot * FL_PART_MAX_RULES + rule position: each slot has its own
// counters, so the loader can zero the inactive set before it flips.
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, FL_PART_SLOTS * FL_PART_MAX_RULES);
  __type(key, __u32);
  __type(value, struct fl_part_counters);
} counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, FL_PART_FRAG_ENTRIES);
  __type(key, struct fl_part_frag_key);
  __type(value, struct fl_part_frag_verdict);
} frags SEC(".maps");

static __always_inline int rule_on(const struct fl_part_rule *r, __u64 now) {
  if (r->flap_on_ns == 0) return 1;
  if (now < r->flap_epoch_ns) return 0;
  __u64 period = r->flap_on_ns + r->flap_off_ns;
  return ((now - r->flap_epoch_ns) % period) < r->flap_on_ns;
}

static __always_inline void count(__u32 ci, int dropped) {
  if (ci == FL_PART_NO_RULE) return;
  struct fl_part_counters *c = bpf_map_lookup_elem(&counters, &ci);
  if (!c) return;
  if (dropped)
    c->matched_dropped++;
  else
    c->matched_passed++;
}

SEC("tc")
int fl_partition_ingress(struct __sk_buff *skb) {
  // bpf_skb_load_bytes rather than direct access: it reads headers in the
  // non-linear part as well, and fails (rather than reading past the end)
  // on a truncated frame, which then passes untouched.
  __be16 h_proto;
  if (bpf_skb_load_bytes(skb, 12, &h_proto, sizeof h_proto) < 0) return TC_ACT_OK;
  if (h_proto != bpf_htons(ETH_P_IP)) return TC_ACT_OK;  // ARP and the rest pass
  struct iphdr ip;
  if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof ip) < 0) return TC_ACT_OK;
  if (ip.ihl < 5) return TC_ACT_OK;  // not IPv4 the stack accepts; it drops it itself

  const __u16 frag = bpf_ntohs(ip.frag_off);
  const int later = (frag & IP_OFFSET) != 0;
  const int first = !later && (frag & IP_MF) != 0;
  struct fl_part_frag_key fk = {.saddr = ip.saddr, .daddr = ip.daddr, .id = ip.id, .proto = ip.protocol};
  if (later) {
    struct fl_part_frag_verdict *v = bpf_map_lookup_elem(&frags, &fk);
    if (v) {
      count(v->counter, v->drop);
      return v->drop ? TC_ACT_SHOT : TC_ACT_OK;
    }
  }

  // The destination port, from the first fragment (or a whole datagram) only,
  // and only when the IP header says the L4 header is there.
  int have_port = 0;
  __u16 dport = 0;
  if (!later && (ip.protocol == IPPROTO_TCP || ip.protocol == IPPROTO_UDP)) {
    const __u32 ihl = ip.ihl * 4;
    __be16 p;
    // Ports sit at the same offset in TCP and UDP headers.
    if (bpf_ntohs(ip.tot_len) >= ihl + 4 && bpf_skb_load_bytes(skb, ETH_HLEN + ihl + 2, &p, sizeof p) == 0) {
      dport = bpf_ntohs(p);
      have_port = 1;
    }
  }

  __u32 zero = 0;
  __u32 *act = bpf_map_lookup_elem(&active, &zero);
  if (!act) return TC_ACT_OK;
  __u32 slot_idx = *act & 1;
  struct fl_part_slot *slot = bpf_map_lookup_elem(&slots, &slot_idx);
  if (!slot) return TC_ACT_OK;

  __u64 now = bpf_ktime_get_ns();
  struct fl_part_frag_verdict verdict = {.counter = FL_PART_NO_RULE, .drop = 0};
  for (__u32 i = 0; i < FL_PART_MAX_RULES; i++) {
    if (i >= slot->nr_rules) break;
    struct fl_part_rule *r = &slot->rules[i];
    if ((ip.saddr & r->src_mask) != r->src_net) continue;
    if ((ip.daddr & r->dst_mask) != r->dst_net) continue;
    if (r->proto && r->proto != ip.protocol) continue;
    if (r->dport_hi && (!have_port || dport < r->dport_lo || dport > r->dport_hi)) continue;
    verdict.counter = slot_idx * FL_PART_MAX_RULES + i;
    verdict.drop = rule_on(r, now);
    count(verdict.counter, verdict.drop);
    if (verdict.drop) break;
  }
  // The later fragments follow the first. A flapping rule that matched while
  // off lets the packet pass and the next rule judge it; the last rule that
  // matched is the one the fragments count on.
  if (first) bpf_map_update_elem(&frags, &fk, &verdict, BPF_ANY);
  return verdict.drop ? TC_ACT_SHOT : TC_ACT_OK;
}
