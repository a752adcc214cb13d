// flock(2) on `.NAME.lock` beside a manifest; see lock.h.
#include "dskit/manifest/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace dskit {

std::string manifest_lock_path(const std::string& manifest) {
  const std::size_t slash = manifest.rfind('/');
  if (slash == std::string::npos) return "." + manifest + ".lock";
  return manifest.substr(0, slash + 1) + "." + manifest.substr(slash + 1) + ".lock";
}

ManifestLock::ManifestLock(ManifestLock&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)) {}

ManifestLock& ManifestLock::operator=(ManifestLock&& o) noexcept {
  if (this != &o) {
    release();
    fd_ = std::exchange(o.fd_, -1);
    path_ = std::move(o.path_);
  }
  return *this;
}

void ManifestLock::release() {
  if (fd_ < 0) return;
  // Unlink while still holding the lock: a waiter that then gets the lock on the unlinked file notices
  // (acquire compares the inode with the path's) and starts over.
  ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
  path_.clear();
}

std::optional<ManifestError> ManifestLock::acquire(const std::string& manifest, bool wait,
                                                   ManifestLock& out) {
  out.release();
  if (manifest.empty() || manifest == "-") return std::nullopt;
  std::string target = manifest;
  struct stat st {};
  if (::lstat(manifest.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) {
      char buf[PATH_MAX];
      if (::realpath(manifest.c_str(), buf) != nullptr) {
        target = buf;
        if (::stat(buf, &st) != 0) st.st_mode = S_IFREG;  // a dangling link: replaced as a new file
      } else {
        st.st_mode = S_IFREG;
      }
    }
    if (!S_ISREG(st.st_mode)) return std::nullopt;
  }
  const std::string path = manifest_lock_path(target);
  for (;;) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (fd < 0) {
      const int err = errno;
      // A directory that takes no new file (missing, read-only, not ours) takes no temporary file either:
      // the write itself fails there, with its own message, so there is nothing to lock.
      if (err == ENOENT || err == ENOTDIR || err == EACCES || err == EPERM || err == EROFS)
        return std::nullopt;
      return ManifestError{manifest, 0, err,
                           "cannot create the lock file " + path + ": " + std::strerror(err)};
    }
    struct stat held {};
    if (::fstat(fd, &held) != 0 || !S_ISREG(held.st_mode)) {
      ::close(fd);
      return ManifestError{manifest, 0, EINVAL, "the lock file " + path + " is not a regular file"};
    }
    int r;
    while ((r = ::flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) != 0 && errno == EINTR) {
    }
    if (r != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK)
        return ManifestError{manifest, 0, err,
                             "another process is writing this manifest (it holds the lock on " + path +
                                 "); try again later, or use --wait"};
      return ManifestError{manifest, 0, err, "cannot lock " + path + ": " + std::strerror(err)};
    }
    // The previous holder removes the file on release: keep the lock only if it is still at the path.
    struct stat now {};
    if (::fstat(fd, &held) == 0 && ::lstat(path.c_str(), &now) == 0 && now.st_dev == held.st_dev &&
        now.st_ino == held.st_ino) {
      out.fd_ = fd;
      out.path_ = path;
      return std::nullopt;
    }
    ::close(fd);
  }
}

}  // namespace dskit
