// --xattrs: the extended attributes of one open file given to another open file, through the descriptors
// (flistxattr/fgetxattr/fsetxattr: no path, no link followed), every list and value bounded by the kernel's
// own limit (64 KiB).
#include <sys/xattr.h>

#include <cerrno>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dskit/copy/parts.h"

namespace dskit::copy_detail {

namespace {

constexpr std::size_t kXattrMax = 65536;  // XATTR_SIZE_MAX and XATTR_LIST_MAX
constexpr int kRaceTries = 3;             // a list or value that grew between its size and its read
constexpr const char* kTooLarge = "an extended attribute list or value above 64 KiB";

bool unsupported(int err) {
  return err == ENOTSUP || err == EOPNOTSUPP;
}

// A namespace dscp copies: user.*, and as root trusted.* and security.* (system.*, the ACLs, is not).
bool wanted(std::string_view name, bool root) {
  return name.starts_with("user.") ||
         (root && (name.starts_with("trusted.") || name.starts_with("security.")));
}

// Reads a list or a value of at most kXattrMax bytes: `get(buf, size)` as the f*xattr calls. 0 or an errno
// (E2BIG above the cap; a filesystem without extended attributes has none).
template <class Get>
int read_bounded(Get get, std::string& out) {
  for (int i = 0; i < kRaceTries; ++i) {
    const ssize_t need = get(nullptr, 0);
    if (need < 0) {
      out.clear();
      return unsupported(errno) ? 0 : errno;
    }
    if (static_cast<std::size_t>(need) > kXattrMax) return E2BIG;
    out.resize(static_cast<std::size_t>(need));
    if (need == 0) return 0;
    const ssize_t n = get(out.data(), out.size());
    if (n >= 0) {
      out.resize(static_cast<std::size_t>(n));
      return 0;
    }
    if (errno != ERANGE) return unsupported(errno) ? 0 : errno;
  }
  return E2BIG;
}

// The attributes of `fd` in the namespaces dscp copies, by name. 0 or an errno.
int read_all(int fd, bool root, std::map<std::string, std::string>& out) {
  std::string list;
  if (const int err = read_bounded([fd](char* b, std::size_t n) { return ::flistxattr(fd, b, n); }, list))
    return err;
  for (std::size_t pos = 0; pos < list.size();) {
    const std::size_t end = std::min(list.find('\0', pos), list.size());
    std::string name = list.substr(pos, end - pos);
    pos = end + 1;
    if (!wanted(name, root)) continue;
    std::string value;
    const int err = read_bounded(
        [fd, &name](char* b, std::size_t n) { return ::fgetxattr(fd, name.c_str(), b, n); }, value);
    if (err == ENODATA) continue;  // removed meanwhile
    if (err) return err;
    out.emplace(std::move(name), std::move(value));
  }
  return 0;
}

}  // namespace

XattrResult sync_xattrs(int src, int dst, bool fresh, bool root, bool dry_run) {
  XattrResult r;
  std::map<std::string, std::string> want, have;
  if (const int err = read_all(src, root, want)) {
    r.err = err;
    r.op = "listxattr";
    r.detail = err == E2BIG ? kTooLarge : nullptr;
    return r;
  }
  if (!fresh) {
    if (const int err = read_all(dst, root, have)) {
      r.err = err;
      r.output = true;
      r.op = "listxattr";
      r.detail = err == E2BIG ? kTooLarge : nullptr;
      return r;
    }
  }
  for (const auto& [name, value] : want) {
    if (auto it = have.find(name); it != have.end() && it->second == value) continue;
    r.changed = true;
    if (dry_run) continue;
    if (::fsetxattr(dst, name.c_str(), value.data(), value.size(), 0) == 0) continue;
    const int err = errno;
    if (unsupported(err) && name.starts_with("user.")) {
      r.unsupported = true;
      return r;
    }
    // trusted.* and security.* where the kernel (or a security module) does not allow them: not copied.
    if (!name.starts_with("user.") && (unsupported(err) || err == EPERM || err == EACCES)) continue;
    r.err = err;
    r.output = true;
    r.op = "setxattr";
    return r;
  }
  for (const auto& [name, value] : have) {
    if (want.contains(name)) continue;
    r.changed = true;
    if (!dry_run && ::fremovexattr(dst, name.c_str()) != 0 && errno != ENODATA) {
      r.err = errno;
      r.output = true;
      r.op = "removexattr";
      return r;
    }
  }
  return r;
}

}  // namespace dskit::copy_detail
