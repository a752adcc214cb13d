// open_beneath: openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, or O_NOFOLLOW one component at a time
// from the parent directory's fd; then fstat, and only a regular file is handed back.
#include "dskit/manifest/build/open.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

namespace dskit {

namespace {

constexpr int kFileFlags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

// openat2(2), or -1 with errno. EAGAIN (a concurrent rename seen by RESOLVE_BENEATH) is retried a few times.
int open_resolved(int rootfd, const char* rel, int flags = kFileFlags) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_NOFOLLOW);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd = -1;
  for (int attempt = 0; attempt < 4; ++attempt) {
    fd = ::syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
    if (fd >= 0 || (errno != EAGAIN && errno != EINTR)) break;
  }
  return static_cast<int>(fd);
}

// Each directory on the way opened from its parent's fd with O_NOFOLLOW, so no link is followed and no
// path string longer than one name is handed to the kernel. -1 with errno on failure.
int open_components(int rootfd, std::string_view rel, int flags = kFileFlags) {
  int dfd = rootfd;
  int owned = -1;
  int fd = -1;
  std::string name;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t slash = rel.find('/', pos);
    name.assign(rel.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
    if (name == "..") {
      errno = EXDEV;
      break;
    }
    if (slash == std::string_view::npos) {
      fd = ::openat(dfd, name.empty() ? "." : name.c_str(), flags | O_NOFOLLOW);
      break;
    }
    pos = slash + 1;
    if (name.empty() || name == ".") continue;
    const int next = ::openat(dfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (next < 0) {
      // O_DIRECTORY wins over O_NOFOLLOW on a link (ENOTDIR): say it was a link, as openat2 does.
      const int err = errno;
      struct stat st {};
      const bool link = err == ENOTDIR && ::fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                        S_ISLNK(st.st_mode);
      errno = link ? ELOOP : err;
      break;
    }
    if (owned >= 0) ::close(owned);
    owned = dfd = next;
  }
  const int saved = errno;
  if (owned >= 0) ::close(owned);
  errno = saved;
  return fd;
}

}  // namespace

int open_beneath(int rootfd, const char* rel, BeneathFile& f, bool follow, BeneathMode mode) {
  f = BeneathFile{};
  int fd;
  if (follow) {
    fd = ::openat(rootfd, rel, kFileFlags);
  } else {
    fd = -1;
    bool fallback = mode == BeneathMode::components || std::strlen(rel) >= PATH_MAX;
    if (!fallback) {
      fd = open_resolved(rootfd, rel);
      // No openat2 (old kernel, or a seccomp filter that refuses it), or a resolution it gave up on.
      fallback = fd < 0 && (errno == ENOSYS || errno == EPERM || errno == E2BIG || errno == EAGAIN ||
                            errno == ENAMETOOLONG);
    }
    if (fallback) fd = open_components(rootfd, rel);
  }
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP && !follow) f.detail = kSymlinkInPath;
    return err;
  }
  if (::fstat(fd, &f.st) != 0) {
    const int err = errno;
    ::close(fd);
    return err;
  }
  if (!S_ISREG(f.st.st_mode)) {
    ::close(fd);
    f.detail = kNotRegular;
    return EINVAL;
  }
  f.fd = fd;
  return 0;
}

int open_dir_beneath(int rootfd, const char* rel) {
  constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY;
  int fd = std::strlen(rel) >= PATH_MAX ? -1 : open_resolved(rootfd, rel, kDirFlags);
  if (fd < 0 && (std::strlen(rel) >= PATH_MAX || errno == ENOSYS || errno == EPERM || errno == E2BIG ||
                 errno == EAGAIN || errno == ENAMETOOLONG))
    fd = open_components(rootfd, rel, kDirFlags);
  if (fd >= 0) return fd;
  // O_DIRECTORY wins over O_NOFOLLOW on a final link (ENOTDIR): say it was a link.
  const int err = errno;
  struct stat st {};
  if (err == ENOTDIR && ::fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
    return -ELOOP;
  return -err;
}

}  // namespace dskit
