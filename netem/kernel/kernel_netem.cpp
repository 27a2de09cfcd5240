// SPDX-License-Identifier: Apache-2.0
#include "netem/kernel/kernel_netem.hpp"

#include "base/nl_errno.hpp"

#include <linux/gen_stats.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>

namespace faultline::netem {

namespace detail {

uint32_t ppm_to_prob(uint32_t ppm) {
  if (ppm >= kPpmMax) return std::numeric_limits<uint32_t>::max();
  // Rounded, so that prob_to_ppm(ppm_to_prob(x)) == x for every ppm: one ppm
  // is ~4295 steps of the u32 scale, far more than the rounding error.
  return static_cast<uint32_t>((static_cast<uint64_t>(ppm) * (uint64_t{1} << 32) + kPpmMax / 2) / kPpmMax);
}

uint32_t prob_to_ppm(uint32_t prob) {
  return static_cast<uint32_t>((static_cast<uint64_t>(prob) * kPpmMax + (uint64_t{1} << 31)) >> 32);
}

Result<std::vector<int16_t>> load_dist_table(const std::string& name) {
  std::vector<std::string> dirs;
  if (const char* d = std::getenv("FAULTLINE_TC_DIST_DIR"); d != nullptr && *d != '\0') dirs.emplace_back(d);
  // Where Debian's iproute2 (multiarch) and upstream installs put them.
  for (const char* d : {"/usr/lib/x86_64-linux-gnu/tc", "/usr/lib/aarch64-linux-gnu/tc", "/usr/lib/tc",
                        "/usr/lib64/tc", "/usr/local/lib/tc"})
    dirs.emplace_back(d);
  std::string tried;
  for (const auto& dir : dirs) {
    const std::string path = dir + "/" + name + ".dist";
    std::ifstream in(path);
    if (!in) {
      tried += (tried.empty() ? "" : ", ") + path;
      continue;
    }
    std::vector<int16_t> table;
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
      ++lineno;
      if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      std::istringstream words(line);
      std::string w;
      while (words >> w) {
        char* end = nullptr;
        errno = 0;
        const long v = std::strtol(w.c_str(), &end, 0);
        if (errno != 0 || *end != '\0' || v < INT16_MIN || v > INT16_MAX)
          return Error{EINVAL, path + ":" + std::to_string(lineno) + ": not a 16-bit integer: '" + w + "'"};
        if (table.size() >= NETEM_DIST_MAX)
          return Error{E2BIG, path + ": more than " + std::to_string(NETEM_DIST_MAX) + " entries"};
        table.push_back(static_cast<int16_t>(v));
      }
    }
    if (table.empty()) return Error{EINVAL, path + ": no entries"};
    return table;
  }
  return Error{ENOENT, "netem distribution table '" + name + "' (iproute2's " + name + ".dist) not found; tried " +
                           tried + " (install iproute2, or set FAULTLINE_TC_DIST_DIR)"};
}

std::vector<int16_t> uniform_dist_table() {
  // netem draws t = table[rnd % size] and delays by mu + sigma * t / 8192, so
  // entries spread evenly over [-8192, 8192) give a uniform delay in
  // [mu - sigma, mu + sigma), like the kernel's table-less default. 4096
  // entries: the same size as iproute2's tables, steps of sigma / 2048.
  constexpr int kN = 4096;
  std::vector<int16_t> t(kN);
  for (int i = 0; i < kN; ++i) t[i] = static_cast<int16_t>(-NETEM_DIST_SCALE + (2 * i + 1) * NETEM_DIST_SCALE / kN);
  return t;
}

}  // namespace detail

namespace {

using detail::ppm_to_prob;
using detail::prob_to_ppm;

struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};
using MsgPtr = std::unique_ptr<nl_msg, MsgDeleter>;
struct CbDeleter {
  void operator()(nl_cb* c) const { nl_cb_put(c); }
};
using CbPtr = std::unique_ptr<nl_cb, CbDeleter>;

// A netem request with a distribution table is ~8 KiB (up to 32 KiB for the
// largest table netem takes); libnl messages do not grow, so size for that.
constexpr size_t kMsgSize = 64 * 1024;

std::string on_if(int ifindex) { return "netem on ifindex " + std::to_string(ifindex); }


// One request and its answers. libnl's nl_send_sync folds the kernel's errno
// into its coarser NLE_* codes and drops the extended-ack text, so the
// callbacks here keep both, on a private copy of the socket's callbacks (the
// caller's socket is left configured as it was, apart from NETLINK_EXT_ACK).
struct Txn {
  std::function<void(nlmsghdr*)> on_msg;
  int err = 0;          // the kernel's errno, 0 when it acked
  std::string ext_msg;  // the kernel's extended-ack message, if any
  bool done = false;
};

int txn_valid(nl_msg* m, void* arg) {
  auto* t = static_cast<Txn*>(arg);
  if (t->on_msg) t->on_msg(nlmsg_hdr(m));
  return NL_OK;
}

int txn_done(nl_msg*, void* arg) {
  static_cast<Txn*>(arg)->done = true;
  return NL_STOP;
}

int txn_err(sockaddr_nl*, nlmsgerr* e, void* arg) {
  auto* t = static_cast<Txn*>(arg);
  t->err = -e->error;
  t->done = true;
  char buf[256];
  nlmsgerr_ext_message(e, buf, sizeof buf);
  t->ext_msg = buf;
  return NL_STOP;
}

// Sends msg and reads answers until the kernel's ack, error or end of dump.
// On a kernel refusal the Error carries the kernel's errno and, in the
// context, its extended-ack message.
Status transact(nl_sock* sk, nl_msg* msg, const std::string& what, std::function<void(nlmsghdr*)> on_msg = {}) {
  if (sk == nullptr) return Error{EBADF, what + ": no netlink socket"};
  // Best effort: the kernel's reason for a refusal ("Specified qdisc kind is
  // unknown") is worth more than the bare errno.
  const int one = 1;
  (void)::setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  // A private copy of the socket's callbacks (nl_socket_get_cb takes a
  // reference, released with the CbPtr).
  CbPtr sock_cb(nl_socket_get_cb(sk));
  CbPtr cb(sock_cb ? nl_cb_clone(sock_cb.get()) : nullptr);
  if (!cb) return Error{ENOMEM, what + ": libnl callback allocation failed"};
  Txn t;
  t.on_msg = std::move(on_msg);
  nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, txn_valid, &t);
  nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, txn_done, &t);
  nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, txn_done, &t);
  nl_cb_err(cb.get(), NL_CB_CUSTOM, txn_err, &t);
  int r = nl_send_auto(sk, msg);
  if (r < 0) return Error{nle_to_errno(r), what + ": send: " + nl_geterror(r)};
  while (!t.done) {
    r = nl_recvmsgs(sk, cb.get());
    if (t.err != 0) break;
    if (r < 0) return Error{nle_to_errno(r), what + ": " + nl_geterror(r)};
  }
  if (t.err != 0) {
    std::string ctx = what;
    if (!t.ext_msg.empty()) ctx += " (kernel: " + t.ext_msg + ")";
    return Error{t.err, ctx};
  }
  return {};
}

Result<MsgPtr> qdisc_msg(int type, int flags, int ifindex, uint32_t handle, const std::string& what) {
  MsgPtr m(nlmsg_alloc_size(kMsgSize));
  if (!m) return Error{ENOMEM, what + ": libnl message allocation failed"};
  if (nlmsg_put(m.get(), NL_AUTO_PORT, NL_AUTO_SEQ, type, 0, flags) == nullptr)
    return Error{EMSGSIZE, what + ": netlink header"};
  tcmsg tcm{};
  tcm.tcm_family = AF_UNSPEC;
  tcm.tcm_ifindex = ifindex;
  tcm.tcm_handle = handle;
  tcm.tcm_parent = TC_H_ROOT;
  if (nlmsg_append(m.get(), &tcm, sizeof tcm, NLMSG_ALIGNTO) < 0) return Error{EMSGSIZE, what + ": tcmsg"};
  return m;
}

// psched ticks (64 ns) for the legacy 32-bit fields; the 64-bit ns attributes
// sent beside them are what the kernel uses.
uint32_t ns_to_ticks(int64_t ns) {
  const uint64_t t = static_cast<uint64_t>(ns) >> 6;
  return t > std::numeric_limits<uint32_t>::max() ? std::numeric_limits<uint32_t>::max() : static_cast<uint32_t>(t);
}

Status validate(const Impairment& imp, const std::string& what) {
  if (imp.delay_ns < 0 || imp.jitter_ns < 0) return Error{EINVAL, what + ": negative delay or jitter"};
  if (imp.jitter_ns > std::numeric_limits<int32_t>::max())
    return Error{EINVAL, what + ": jitter above 2.147 s; netem would silently cap it"};
  if (imp.limit_bytes != 0)
    return Error{EINVAL, what + ": limit_bytes cannot be expressed: netem limits its queue in packets only"};
  if (imp.rate_bps != 0 && imp.rate_bps < 8)
    return Error{EINVAL, what + ": rate below 8 bit/s; netem counts whole bytes per second"};
  for (uint32_t ppm : {imp.delay_correlation_ppm, imp.loss_ppm, imp.loss_correlation_ppm, imp.duplicate_ppm,
                       imp.corrupt_ppm, imp.reorder_ppm, imp.gilbert.p_ppm, imp.gilbert.r_ppm, imp.gilbert.h_ppm,
                       imp.gilbert.k_ppm}) {
    if (ppm > kPpmMax) return Error{EINVAL, what + ": a probability above 100%"};
  }
  return {};
}

// TCA_OPTIONS for netem: a struct tc_netem_qopt, then nested attributes. The
// attribute is not flagged nested (the kernel parses it "compat" style), so it
// is opened as a plain attribute holding the struct and its length is fixed
// up once the nested attributes follow (as iproute2's addattr_nest_compat).
Status put_options(nl_msg* m, const Impairment& imp, const std::vector<int16_t>* dist, const std::string& what) {
  auto fail = [&](const char* which) { return Error{EMSGSIZE, what + ": no room for " + which}; };
  tc_netem_qopt q{};
  q.latency = ns_to_ticks(imp.delay_ns);
  q.jitter = ns_to_ticks(imp.jitter_ns);
  q.limit = imp.limit_packets != 0 ? imp.limit_packets : default_limit_packets(imp);
  q.loss = ppm_to_prob(imp.loss_ppm);
  q.duplicate = ppm_to_prob(imp.duplicate_ppm);
  // netem reorders only with a gap; 1 makes every packet a candidate, with
  // reorder_ppm its chance of going out at once (iproute2's default too).
  q.gap = imp.reorder_ppm != 0 ? 1 : 0;
  auto* opts = reinterpret_cast<nlattr*>(nlmsg_tail(nlmsg_hdr(m)));
  if (nla_put(m, TCA_OPTIONS, sizeof q, &q) < 0) return fail("tc_netem_qopt");

  // Sent even when zero: a change keeps whatever an absent attribute set
  // before, and a change must replace the whole configuration.
  tc_netem_corr corr{ppm_to_prob(imp.delay_correlation_ppm), ppm_to_prob(imp.loss_correlation_ppm), 0};
  if (nla_put(m, TCA_NETEM_CORR, sizeof corr, &corr) < 0) return fail("TCA_NETEM_CORR");
  tc_netem_reorder reorder{ppm_to_prob(imp.reorder_ppm), 0};
  if (nla_put(m, TCA_NETEM_REORDER, sizeof reorder, &reorder) < 0) return fail("TCA_NETEM_REORDER");
  tc_netem_corrupt corrupt{ppm_to_prob(imp.corrupt_ppm), 0};
  if (nla_put(m, TCA_NETEM_CORRUPT, sizeof corrupt, &corrupt) < 0) return fail("TCA_NETEM_CORRUPT");

  // Without TCA_NETEM_LOSS the kernel falls back to the random loss model.
  if (imp.loss_model == LossModel::kGilbertElliott) {
    nlattr* loss = nla_nest_start(m, TCA_NETEM_LOSS);
    if (loss == nullptr) return fail("TCA_NETEM_LOSS");
    // netem's GE: p good->bad, r bad->good, h = 1 - P(loss|bad), k1 =
    // P(loss|good): the same meaning as the model's fields.
    tc_netem_gemodel ge{ppm_to_prob(imp.gilbert.p_ppm), ppm_to_prob(imp.gilbert.r_ppm),
                        ppm_to_prob(imp.gilbert.h_ppm), ppm_to_prob(imp.gilbert.k_ppm)};
    if (nla_put(m, NETEM_LOSS_GE, sizeof ge, &ge) < 0) return fail("NETEM_LOSS_GE");
    nla_nest_end(m, loss);
  }

  // Rate in bytes per second; above 4 GB/s the u32 saturates and the 64-bit
  // attribute carries the value (the kernel takes the larger of the two).
  const uint64_t bytes_per_s = imp.rate_bps / 8;
  tc_netem_rate rate{};
  rate.rate = bytes_per_s > std::numeric_limits<uint32_t>::max() ? std::numeric_limits<uint32_t>::max()
                                                                 : static_cast<uint32_t>(bytes_per_s);
  rate.packet_overhead = imp.overhead_bytes;
  if (nla_put(m, TCA_NETEM_RATE, sizeof rate, &rate) < 0) return fail("TCA_NETEM_RATE");
  if (bytes_per_s > std::numeric_limits<uint32_t>::max() && nla_put_u64(m, TCA_NETEM_RATE64, bytes_per_s) < 0)
    return fail("TCA_NETEM_RATE64");

  if (nla_put_s64(m, TCA_NETEM_LATENCY64, imp.delay_ns) < 0) return fail("TCA_NETEM_LATENCY64");
  if (nla_put_s64(m, TCA_NETEM_JITTER64, imp.jitter_ns) < 0) return fail("TCA_NETEM_JITTER64");
  if (dist != nullptr &&
      nla_put(m, TCA_NETEM_DELAY_DIST, static_cast<int>(dist->size() * sizeof(int16_t)), dist->data()) < 0)
    return fail("TCA_NETEM_DELAY_DIST");

  const auto len = reinterpret_cast<char*>(nlmsg_tail(nlmsg_hdr(m))) - reinterpret_cast<char*>(opts);
  if (len > std::numeric_limits<uint16_t>::max()) return fail("TCA_OPTIONS (over 64 KiB)");
  opts->nla_len = static_cast<uint16_t>(len);
  return {};
}

// The root qdisc of one interface, as dumped by the kernel.
struct RootQdisc {
  uint32_t handle = 0;
  std::string kind;
  std::vector<char> options;  // TCA_OPTIONS payload
  std::optional<NetemStats> stats;
};

Result<std::optional<RootQdisc>> read_root(nl_sock* sk, int ifindex, const std::string& what) {
  // A dump, not a get: RTM_GETQDISC for one qdisc answers only through the
  // notification path, which needs NLM_F_ECHO and multicast rules. The kernel
  // dumps every interface of the namespace; the reply is filtered here.
  auto m = qdisc_msg(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_DUMP, ifindex, 0, what);
  if (!m) return m.error();
  std::optional<RootQdisc> out;
  FL_TRY(transact(sk, m->get(), what, [&](nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWQDISC || out) return;
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(tcmsg))) return;
    const auto* tcm = static_cast<const tcmsg*>(nlmsg_data(h));
    if (tcm->tcm_ifindex != ifindex || tcm->tcm_parent != TC_H_ROOT) return;
    nlattr* tb[TCA_MAX + 1] = {};
    if (nlmsg_parse(h, sizeof(tcmsg), tb, TCA_MAX, nullptr) < 0) return;
    RootQdisc q;
    q.handle = tcm->tcm_handle;
    if (tb[TCA_KIND]) q.kind = nla_get_string(tb[TCA_KIND]);
    if (tb[TCA_OPTIONS]) {
      const char* d = static_cast<const char*>(nla_data(tb[TCA_OPTIONS]));
      q.options.assign(d, d + nla_len(tb[TCA_OPTIONS]));
    }
    if (tb[TCA_STATS2]) {
      nlattr* st[TCA_STATS_MAX + 1] = {};
      if (nla_parse_nested(st, TCA_STATS_MAX, tb[TCA_STATS2], nullptr) == 0) {
        NetemStats s;
        s.handle = tcm->tcm_handle;
        if (st[TCA_STATS_BASIC]) {
          gnet_stats_basic b{};
          std::memcpy(&b, nla_data(st[TCA_STATS_BASIC]),
                      std::min<size_t>(sizeof b, static_cast<size_t>(nla_len(st[TCA_STATS_BASIC]))));
          s.bytes = b.bytes;
          s.packets = b.packets;
        }
        if (st[TCA_STATS_QUEUE]) {
          gnet_stats_queue qs{};
          std::memcpy(&qs, nla_data(st[TCA_STATS_QUEUE]),
                      std::min<size_t>(sizeof qs, static_cast<size_t>(nla_len(st[TCA_STATS_QUEUE]))));
          s.qlen = qs.qlen;
          s.backlog = qs.backlog;
          s.drops = qs.drops;
          s.requeues = qs.requeues;
          s.overlimits = qs.overlimits;
        }
        q.stats = s;
      }
    }
    out = std::move(q);
  }));
  return out;
}

// The root netem qdisc, or ENOENT naming what is there instead.
Result<RootQdisc> read_netem(nl_sock* sk, int ifindex, const std::string& what) {
  auto r = read_root(sk, ifindex, what);
  if (!r) return r.error();
  if (!*r) return Error{ENOENT, what + ": no root qdisc"};
  if ((*r)->kind != "netem")
    return Error{ENOENT, what + ": the root qdisc is " + ((*r)->kind.empty() ? "unnamed" : (*r)->kind) + ", not netem"};
  return std::move(**r);
}

}  // namespace

Status netem_apply(nl_sock* sk, int ifindex, const Impairment& imp, bool create) {
  const std::string what = (create ? "add " : "change ") + on_if(ifindex);
  FL_TRY(validate(imp, what));

  // Jitter distribution: a non-uniform one is iproute2's table; a change to
  // uniform sends an explicit uniform table, because the kernel keeps the
  // table of an earlier configuration when none is sent. Without jitter the
  // table is never consulted, so none is sent.
  std::vector<int16_t> table;
  const std::vector<int16_t>* dist = nullptr;
  if (imp.jitter_ns > 0) {
    if (imp.jitter_dist != JitterDist::kUniform) {
      auto t = detail::load_dist_table(to_string(imp.jitter_dist));
      if (!t) return wrap(t.error(), what);
      table = std::move(*t);
      dist = &table;
    } else if (!create) {
      table = detail::uniform_dist_table();
      dist = &table;
    }
  }

  // create: CREATE|EXCL makes "already there" an error instead of a silent
  // change. change: REPLACE without CREATE on parent root and handle 1: makes
  // the kernel call netem_change on the qdisc in place (its queue and counters
  // survive), and ENOENT when there is none.
  const int flags = NLM_F_REQUEST | NLM_F_ACK | (create ? NLM_F_CREATE | NLM_F_EXCL : NLM_F_REPLACE);
  auto m = qdisc_msg(RTM_NEWQDISC, flags, ifindex, kNetemHandle, what);
  if (!m) return m.error();
  if (nla_put_string(m->get(), TCA_KIND, "netem") < 0) return Error{EMSGSIZE, what + ": no room for TCA_KIND"};
  FL_TRY(put_options(m->get(), imp, dist, what));

  Status st = transact(sk, m->get(), what);
  if (!st) {
    const Error& e = st.error();
    // Creating a qdisc of an unknown kind is ENOENT ("Specified qdisc kind is
    // unknown"), which reads like a missing interface; say what it means.
    // The kernel's own words (" (kernel: ...)") follow what transact was given.
    const std::string kernel_says = e.context.substr(std::min(what.size(), e.context.size()));
    if (create && e.err == ENOENT) return Error{EOPNOTSUPP, what + ": no sch_netem in this kernel" + kernel_says};
    if (!create && e.err == ENOENT) return Error{ENOENT, what + ": no netem qdisc 1: to change" + kernel_says};
    if (!create && e.err == EINVAL && kernel_says.empty())
      return Error{EINVAL, what + ": refused (is the root qdisc 1: of another kind?)"};
    return st;
  }
  return {};
}

Status netem_remove(nl_sock* sk, int ifindex) {
  const std::string what = "remove " + on_if(ifindex);
  auto root = read_root(sk, ifindex, what);
  if (!root) return root.error();
  // Nothing of ours there: a default qdisc (handle 0) or none at all.
  if (!*root || (*root)->handle == 0) return {};
  if ((*root)->kind != "netem" || (*root)->handle != kNetemHandle)
    return Error{EBUSY, what + ": the root qdisc is " + (*root)->kind + ", not netem 1:; left alone"};
  auto m = qdisc_msg(RTM_DELQDISC, NLM_F_REQUEST | NLM_F_ACK, ifindex, kNetemHandle, what);
  if (!m) return m.error();
  // The kind guards against deleting a qdisc that replaced ours meanwhile.
  if (nla_put_string(m->get(), TCA_KIND, "netem") < 0) return Error{EMSGSIZE, what + ": no room for TCA_KIND"};
  return transact(sk, m->get(), what);
}

Result<Impairment> netem_read(nl_sock* sk, int ifindex) {
  const std::string what = "read " + on_if(ifindex);
  auto q = read_netem(sk, ifindex, what);
  if (!q) return q.error();
  const auto& o = q->options;
  if (o.size() < sizeof(tc_netem_qopt)) return Error{EPROTO, what + ": TCA_OPTIONS shorter than tc_netem_qopt"};
  tc_netem_qopt qopt{};
  std::memcpy(&qopt, o.data(), sizeof qopt);
  nlattr* tb[TCA_NETEM_MAX + 1] = {};
  const size_t nested = NLA_ALIGN(sizeof qopt);
  if (o.size() > nested) {
    // nla_parse does not write through the pointer; libnl's signature is
    // just not const-correct.
    auto* head = reinterpret_cast<nlattr*>(const_cast<char*>(o.data() + nested));
    if (nla_parse(tb, TCA_NETEM_MAX, head, static_cast<int>(o.size() - nested), nullptr) < 0)
      return Error{EPROTO, what + ": malformed netem attributes"};
  }
  auto get = [&](int type, auto& out) {
    if (tb[type] && static_cast<size_t>(nla_len(tb[type])) >= sizeof out) std::memcpy(&out, nla_data(tb[type]), sizeof out);
  };

  Impairment imp;
  // The 64-bit ns attributes are exact; the legacy tick fields are fallbacks.
  imp.delay_ns = tb[TCA_NETEM_LATENCY64] ? nla_get_s64(tb[TCA_NETEM_LATENCY64]) : int64_t{qopt.latency} << 6;
  imp.jitter_ns = tb[TCA_NETEM_JITTER64] ? nla_get_s64(tb[TCA_NETEM_JITTER64]) : int64_t{qopt.jitter} << 6;
  imp.limit_packets = qopt.limit;
  imp.loss_ppm = prob_to_ppm(qopt.loss);
  imp.duplicate_ppm = prob_to_ppm(qopt.duplicate);

  tc_netem_corr corr{};
  get(TCA_NETEM_CORR, corr);
  imp.delay_correlation_ppm = prob_to_ppm(corr.delay_corr);
  imp.loss_correlation_ppm = prob_to_ppm(corr.loss_corr);
  tc_netem_reorder reorder{};
  get(TCA_NETEM_REORDER, reorder);
  imp.reorder_ppm = prob_to_ppm(reorder.probability);
  tc_netem_corrupt corrupt{};
  get(TCA_NETEM_CORRUPT, corrupt);
  imp.corrupt_ppm = prob_to_ppm(corrupt.probability);

  if (tb[TCA_NETEM_LOSS]) {
    nlattr* loss[NETEM_LOSS_MAX + 1] = {};
    if (nla_parse_nested(loss, NETEM_LOSS_MAX, tb[TCA_NETEM_LOSS], nullptr) == 0 && loss[NETEM_LOSS_GE]) {
      tc_netem_gemodel ge{};
      if (static_cast<size_t>(nla_len(loss[NETEM_LOSS_GE])) >= sizeof ge) std::memcpy(&ge, nla_data(loss[NETEM_LOSS_GE]), sizeof ge);
      imp.loss_model = LossModel::kGilbertElliott;
      imp.gilbert = {prob_to_ppm(ge.p), prob_to_ppm(ge.r), prob_to_ppm(ge.h), prob_to_ppm(ge.k1)};
    } else if (loss[NETEM_LOSS_GI]) {
      return Error{EOPNOTSUPP, what + ": the 4-state loss model is set, which the impairment model cannot express"};
    }
  }

  tc_netem_rate rate{};
  get(TCA_NETEM_RATE, rate);
  uint64_t bytes_per_s = rate.rate;
  if (tb[TCA_NETEM_RATE64]) bytes_per_s = std::max<uint64_t>(bytes_per_s, nla_get_u64(tb[TCA_NETEM_RATE64]));
  imp.rate_bps = bytes_per_s * 8;
  imp.overhead_bytes = rate.packet_overhead;
  return imp;
}

Result<NetemStats> netem_stats(nl_sock* sk, int ifindex) {
  const std::string what = "read counters of " + on_if(ifindex);
  auto q = read_netem(sk, ifindex, what);
  if (!q) return q.error();
  if (!q->stats) return Error{EPROTO, what + ": the kernel sent no TCA_STATS2"};
  return *q->stats;
}

}  // namespace faultline::netem
