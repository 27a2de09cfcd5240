// libnl's own error codes (NLE_*) back to errno, so that every Error carries
// an errno as the rest of the project does. Shared by the runtime's netlink
// objects, the kernel netem backend and the probes.
#pragma once

#include <netlink/errno.h>

#include <cerrno>

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

}  // namespace faultline
