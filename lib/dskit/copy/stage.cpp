// --stage-once: the lock every process of a node takes on the destination, and the completion marker.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "dskit/base/fileio.h"
#include "dskit/copy/copy.h"

namespace dskit {

StageLock::~StageLock() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<PathError> StageLock::acquire(const std::string& dst) {
  dst_ = dst;
  if (::mkdir(dst.c_str(), 0755) != 0 && errno != EEXIST) return PathError{dst, errno, "mkdir"};
  const std::string lock = dst + "/" + std::string(kStageLock);
  fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0) return PathError{lock, errno, "open"};
  while (::flock(fd_, LOCK_EX) != 0)
    if (errno != EINTR) return PathError{lock, errno, "lock"};
  return std::nullopt;
}

bool StageLock::done(std::string_view signature) const {
  const std::string marker = dst_ + "/" + std::string(kStageDone);
  const int fd = ::open(marker.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  std::string have(signature.size() + 1, '\0');
  const ssize_t n = ::read(fd, have.data(), have.size());
  ::close(fd);
  return n == static_cast<ssize_t>(signature.size()) && have.compare(0, signature.size(), signature) == 0;
}

std::optional<PathError> StageLock::mark_done(std::string_view signature) const {
  WriteOptions o;
  o.write_through = false;
  o.mode = 0644;
  return write_file_atomic(dst_ + "/" + std::string(kStageDone), signature, o);
}

}  // namespace dskit
