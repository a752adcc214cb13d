#include "dskit/bench/target.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <string>

namespace dskit::bench {

AlignedBuffer::AlignedBuffer(std::size_t size, std::size_t align) : size_(size) {
  void* p = nullptr;
  if (posix_memalign(&p, std::max<std::size_t>(align, sizeof(void*)), std::max<std::size_t>(size, 1)) != 0)
    throw std::bad_alloc();
  std::fill_n(static_cast<char*>(p), size, 0);
  p_.reset(p);
}

int open_target(const std::string& path, int flags, bool direct, PathError& err, mode_t mode) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC | (direct ? O_DIRECT : 0), mode);
  if (fd < 0) err = {path, errno, direct ? "open O_DIRECT" : "open"};
  return fd;
}

int create_in_dir(int dirfd, const std::string& name, const std::string& shown, bool direct, PathError& err,
                  mode_t mode) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
    ::unlinkat(dirfd, name.c_str(), 0);  // failing that, O_EXCL below refuses the name
  const int fd =
      ::openat(dirfd, name.c_str(),
               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | (direct ? O_DIRECT : 0), mode);
  if (fd < 0) err = {shown, errno, direct ? "open O_DIRECT" : "open"};
  return fd;
}

namespace {
const char* type_name(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  return "a special file";
}
}  // namespace

std::optional<BenchError> open_input(const std::string& path, bool direct, bool block_ok, int& fd) {
  PathError pe;
  fd = open_target(path, O_RDONLY | O_NONBLOCK, direct, pe);
  if (fd < 0) return open_error(pe, direct);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    fd = -1;
    return BenchError{ErrorKind::io, describe({path, e, "stat"})};
  }
  if (!S_ISREG(st.st_mode) && !(block_ok && S_ISBLK(st.st_mode))) {
    ::close(fd);
    fd = -1;
    return BenchError{ErrorKind::usage,
                      fmt::format("{}: {}, not {}", path, type_name(st.st_mode),
                                  block_ok ? "a regular file or block device" : "a regular file")};
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return std::nullopt;
}

uint32_t dio_alignment(int fd) {
  struct statx sx {};
  if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 && (sx.stx_mask & STATX_DIOALIGN) &&
      sx.stx_dio_offset_align != 0)
    return std::max<uint32_t>(sx.stx_dio_mem_align, sx.stx_dio_offset_align);
  return 4096;
}

int64_t target_size(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return -errno;
  if (S_ISBLK(st.st_mode)) {
    uint64_t bytes = 0;
    if (ioctl(fd, BLKGETSIZE64, &bytes) != 0) return -errno;
    return static_cast<int64_t>(bytes);
  }
  return st.st_size;
}

bool fd_is_direct(int fd) {
  std::ifstream in("/proc/self/fdinfo/" + std::to_string(fd));
  std::string key;
  while (in >> key) {
    if (key == "flags:") {
      std::string octal;
      in >> octal;
      return (std::stoul(octal, nullptr, 8) & O_DIRECT) != 0;
    }
  }
  return false;
}

void drop_cache(int fd) {
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

bool drop_cache(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  drop_cache(fd);
  ::close(fd);
  return true;
}

uint64_t physical_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

}  // namespace dskit::bench
