// Partitions at tc ingress of a node's interfaces: full, asymmetric (only the
// receiver's side drops, so a->b can be cut while b->a passes), partial (by
// protocol and destination port, or by peer set) and flapping (on/off in the
// kernel clock, with no user-space timer in the loop). Dropping at the
// receiver, not at the sender's egress, makes the loss a network loss: a drop
// on the sender's own egress is reported to its socket as a local error.
#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "partition.h"

#define ETH_P_IP 0x0800
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

char LICENSE[] SEC("license") = "GPL";

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

static __always_inline int rule_on(const struct fl_part_rule *r, __u64 now) {
  if (r->flap_on_ns == 0) return 1;
  if (now < r->flap_epoch_ns) return 0;
  __u64 period = r->flap_on_ns + r->flap_off_ns;
  return ((now - r->flap_epoch_ns) % period) < r->flap_on_ns;
}

SEC("tc")
int fl_partition_ingress(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *end = (void *)(long)skb->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return TC_ACT_OK;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return TC_ACT_OK;  // ARP and the rest pass
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > end) return TC_ACT_OK;

  __u16 dport = 0;
  if (ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) {
    // Ports sit at the same offset in TCP and UDP headers.
    __u8 *l4 = (__u8 *)ip + ip->ihl * 4;
    if ((void *)(l4 + 4) <= end) dport = ((__u16)l4[2] << 8) | l4[3];
  }

  __u32 zero = 0;
  __u32 *act = bpf_map_lookup_elem(&active, &zero);
  if (!act) return TC_ACT_OK;
  __u32 slot_idx = *act & 1;
  struct fl_part_slot *slot = bpf_map_lookup_elem(&slots, &slot_idx);
  if (!slot) return TC_ACT_OK;

  __u64 now = bpf_ktime_get_ns();
  for (__u32 i = 0; i < FL_PART_MAX_RULES; i++) {
    if (i >= slot->nr_rules) break;
    struct fl_part_rule *r = &slot->rules[i];
    if ((ip->saddr & r->src_mask) != r->src_net) continue;
    if ((ip->daddr & r->dst_mask) != r->dst_net) continue;
    if (r->proto && r->proto != ip->protocol) continue;
    if (r->dport_hi && (dport < r->dport_lo || dport > r->dport_hi)) continue;
    __u32 ci = slot_idx * FL_PART_MAX_RULES + i;
    struct fl_part_counters *c = bpf_map_lookup_elem(&counters, &ci);
    if (rule_on(r, now)) {
      if (c) c->matched_dropped++;
      return TC_ACT_SHOT;
    }
    if (c) c->matched_passed++;
  }
  return TC_ACT_OK;
}
