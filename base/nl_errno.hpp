// SPDX-License-Identifier: Apache-2.0
// libnl's own error codes (NLE_*) back to errno, so that every Error carries
// an errno as the rest of the project does. Shared by the runtime's netlink
// objects, the kernel netem backend and the probes.
#pragma once

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>

#include <cerrno>
#include <cstddef>

namespace faultline {

inline int nle_to_errno(int nlerr) {
  switch (nlerr < 0 ? -nlerr : nlerr) {
    case NLE_EXIST: return EEXIST;
    case NLE_NOACCESS:
    case NLE_PERM: return EPERM;
    case NLE_NODEV: return ENODEV;
    case NLE_OBJ_NOTFOUND: return ENOENT;
    case NLE_INVAL: return EINVAL;
    case NLE_BUSY: return EBUSY;
    case NLE_RANGE: return ERANGE;
    case NLE_NOMEM: return ENOMEM;
    case NLE_AGAIN: return EAGAIN;
    case NLE_INTR: return EINTR;
    case NLE_BAD_SOCK: return EBADF;
    case NLE_OPNOTSUPP: return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
    case NLE_MSGSIZE: return EMSGSIZE;
    case NLE_NOADDR: return EADDRNOTAVAIL;
    default: return EIO;
  }
}

// The kernel's extended-ack message ("Specified qdisc kind is unknown") of a
// netlink error, copied into buf (empty when the kernel sent none). `e` is
// what libnl's NL_CB_ERR callback receives: it sits right after its header,
// and the TLVs follow the echoed request, which is only its header when the
// socket caps acks.
inline void nlmsgerr_ext_message(const nlmsgerr* e, char* buf, size_t len) {
  if (len > 0) buf[0] = '\0';
  auto* hdr = reinterpret_cast<const nlmsghdr*>(reinterpret_cast<const char*>(e) - NLMSG_HDRLEN);
  if ((hdr->nlmsg_flags & NLM_F_ACK_TLVS) == 0) return;
  size_t off = sizeof(nlmsgerr);
  if ((hdr->nlmsg_flags & NLM_F_CAPPED) == 0) off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
  const size_t total = hdr->nlmsg_len - NLMSG_HDRLEN;
  if (off >= total) return;
  auto* attrs = reinterpret_cast<nlattr*>(const_cast<char*>(reinterpret_cast<const char*>(e)) + off);
  if (nlattr* m = nla_find(attrs, static_cast<int>(total - off), NLMSGERR_ATTR_MSG)) nla_strlcpy(buf, m, len);
}

}  // namespace faultline
