// SPDX-License-Identifier: Apache-2.0
#include "netem/engine/offload.hpp"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "base/fd.hpp"

namespace faultline::netem {

namespace {

// Feature names as the kernel's ETH_SS_FEATURES string set spells them.
constexpr const char* kTxOffloads[] = {
    "tx-checksum-ipv4",         "tx-checksum-ip-generic",        "tx-checksum-ipv6",
    "tx-checksum-sctp",         "tx-checksum-fcoe-crc",          "tx-tcp-segmentation",
    "tx-tcp-ecn-segmentation",  "tx-tcp-mangleid-segmentation",  "tx-tcp6-segmentation",
    "tx-tcp-accecn-segmentation", "tx-generic-segmentation",     "tx-udp-segmentation",
    "tx-gso-list",
};
constexpr const char* kRxOffloads[] = {"rx-gro", "rx-lro", "rx-gro-list", "rx-udp-gro-forwarding"};

class Ethtool {
 public:
  static Result<Ethtool> open(const std::string& ifname) {
    if (ifname.empty() || ifname.size() >= IFNAMSIZ) return logic_error("bad interface name '" + ifname + "'");
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return sys_error("socket for ethtool ioctl");
    return Ethtool(std::move(fd), ifname);
  }

  // 0 on success, else errno.
  int ioctl(void* cmd) {
    struct ifreq ifr {};
    std::memcpy(ifr.ifr_name, name_.c_str(), name_.size());
    ifr.ifr_data = static_cast<char*>(cmd);
    return ::ioctl(fd_.get(), SIOCETHTOOL, &ifr) < 0 ? errno : 0;
  }

  Result<std::vector<std::string>> feature_names() {
    std::vector<uint8_t> buf(sizeof(ethtool_sset_info) + sizeof(uint32_t));
    auto* info = reinterpret_cast<ethtool_sset_info*>(buf.data());
    info->cmd = ETHTOOL_GSSET_INFO;
    info->sset_mask = 1ull << ETH_SS_FEATURES;
    if (int e = ioctl(info)) return sys_error(e, "ETHTOOL_GSSET_INFO on " + name_);
    if (!(info->sset_mask & (1ull << ETH_SS_FEATURES))) return sys_error(EOPNOTSUPP, "feature names of " + name_);
    const uint32_t n = info->data[0];
    std::vector<uint8_t> sbuf(sizeof(ethtool_gstrings) + static_cast<size_t>(n) * ETH_GSTRING_LEN);
    auto* gs = reinterpret_cast<ethtool_gstrings*>(sbuf.data());
    gs->cmd = ETHTOOL_GSTRINGS;
    gs->string_set = ETH_SS_FEATURES;
    gs->len = n;
    if (int e = ioctl(gs)) return sys_error(e, "ETHTOOL_GSTRINGS on " + name_);
    std::vector<std::string> out(n);
    for (uint32_t i = 0; i < n; ++i) {
      const char* s = reinterpret_cast<const char*>(gs->data + static_cast<size_t>(i) * ETH_GSTRING_LEN);
      out[i].assign(s, strnlen(s, ETH_GSTRING_LEN));
    }
    return out;
  }

  // Active feature bits, one per name.
  Result<std::vector<bool>> active(size_t n) {
    const uint32_t blocks = static_cast<uint32_t>((n + 31) / 32);
    std::vector<uint8_t> buf(sizeof(ethtool_gfeatures) + blocks * sizeof(ethtool_get_features_block));
    auto* gf = reinterpret_cast<ethtool_gfeatures*>(buf.data());
    gf->cmd = ETHTOOL_GFEATURES;
    gf->size = blocks;
    if (int e = ioctl(gf)) return sys_error(e, "ETHTOOL_GFEATURES on " + name_);
    std::vector<bool> out(n);
    for (size_t i = 0; i < n; ++i) out[i] = gf->features[i / 32].active & (1u << (i % 32));
    return out;
  }

  Status clear(const std::vector<std::string>& names, const std::vector<size_t>& bits) {
    const uint32_t blocks = static_cast<uint32_t>((names.size() + 31) / 32);
    std::vector<uint8_t> buf(sizeof(ethtool_sfeatures) + blocks * sizeof(ethtool_set_features_block));
    auto* sf = reinterpret_cast<ethtool_sfeatures*>(buf.data());
    sf->cmd = ETHTOOL_SFEATURES;
    sf->size = blocks;
    for (size_t b : bits) sf->features[b / 32].valid |= 1u << (b % 32);  // requested stays 0: off
    // A positive return only flags bits the device cannot change (e.g. fixed
    // off); what matters is read back by the caller.
    if (int e = ioctl(sf)) return sys_error(e, "ETHTOOL_SFEATURES on " + name_);
    return {};
  }

  const std::string& name() const { return name_; }

 private:
  Ethtool(UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}
  UniqueFd fd_;
  std::string name_;
};

// The pre-2.6.39 per-feature commands, for kernels or drivers without
// ETHTOOL_SFEATURES. Each is best effort: a device may lack any of them.
Status legacy_off(Ethtool& et, bool tx) {
  std::vector<uint32_t> cmds = {ETHTOOL_SGRO};
  if (tx) cmds.insert(cmds.begin(), {ETHTOOL_STXCSUM, ETHTOOL_STSO, ETHTOOL_SGSO});
  for (uint32_t c : cmds) {
    ethtool_value v{};
    v.cmd = c;
    v.data = 0;
    int e = et.ioctl(&v);
    if (e != 0 && e != EOPNOTSUPP && e != EINVAL) return sys_error(e, "legacy ethtool offload off on " + et.name());
  }
  return {};
}

Result<OffloadState> query(Ethtool& et) {
  auto names = et.feature_names();
  if (!names.ok()) {
    // Legacy read-back.
    OffloadState st;
    auto get = [&](uint32_t cmd) {
      ethtool_value v{};
      v.cmd = cmd;
      return et.ioctl(&v) == 0 && v.data != 0;
    };
    st.tx_checksum = get(ETHTOOL_GTXCSUM);
    st.tso = get(ETHTOOL_GTSO);
    st.gso = get(ETHTOOL_GGSO);
    st.gro = get(ETHTOOL_GGRO);
    return st;
  }
  auto act = et.active(names->size());
  if (!act.ok()) return act.error();
  OffloadState st;
  for (size_t i = 0; i < names->size(); ++i) {
    if (!(*act)[i]) continue;
    const std::string& n = (*names)[i];
    if (n == "tx-checksum-ipv4" || n == "tx-checksum-ipv6" || n == "tx-checksum-ip-generic") st.tx_checksum = true;
    if (n == "tx-tcp-segmentation" || n == "tx-tcp6-segmentation") st.tso = true;
    if (n == "tx-generic-segmentation") st.gso = true;
    if (n == "rx-gro") st.gro = true;
  }
  return st;
}

Status turn_off(const std::string& ifname, bool tx) {
  auto et = Ethtool::open(ifname);
  if (!et.ok()) return et.error();
  auto names = et->feature_names();
  if (names.ok()) {
    std::vector<size_t> bits;
    auto want = [&](const std::string& n) {
      if (std::find_if(std::begin(kRxOffloads), std::end(kRxOffloads), [&](const char* s) { return n == s; }) !=
          std::end(kRxOffloads))
        return true;
      return tx && std::find_if(std::begin(kTxOffloads), std::end(kTxOffloads),
                                [&](const char* s) { return n == s; }) != std::end(kTxOffloads);
    };
    for (size_t i = 0; i < names->size(); ++i)
      if (want((*names)[i])) bits.push_back(i);
    auto st = et->clear(*names, bits);
    if (!st.ok() && st.error().err != EOPNOTSUPP) return st;
    if (!st.ok()) FL_TRY(legacy_off(*et, tx));
  } else {
    FL_TRY(legacy_off(*et, tx));
  }
  auto now = query(*et);
  if (!now.ok()) return wrap(now.error(), "read back offloads of " + ifname);
  if (now->gro) return logic_error("GRO still on for " + ifname + " after turning it off");
  if (tx && (now->tx_checksum || now->tso || now->gso))
    return logic_error("checksum or segmentation offload still on for " + ifname + " after turning it off");
  return {};
}

}  // namespace

Status disable_offloads(const std::string& ifname) { return turn_off(ifname, true); }

Status disable_receive_offloads(const std::string& ifname) { return turn_off(ifname, false); }

Result<OffloadState> query_offloads(const std::string& ifname) {
  auto et = Ethtool::open(ifname);
  if (!et.ok()) return et.error();
  return query(*et);
}

}  // namespace faultline::netem
