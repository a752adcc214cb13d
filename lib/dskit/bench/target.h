// Opening what dsbench measures: files and block devices, with O_DIRECT by default, the alignment O_DIRECT
// needs (statx STATX_DIOALIGN, else 4096), aligned buffers, and page-cache eviction.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "dskit/base/error.h"
#include "dskit/bench/common.h"

namespace dskit::bench {

// A buffer aligned for O_DIRECT (posix_memalign); zero-filled.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(std::size_t size, std::size_t align);
  char* data() const { return static_cast<char*>(p_.get()); }
  std::size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(void* p) const { std::free(p); }
  };
  std::unique_ptr<void, Free> p_;
  std::size_t size_ = 0;
};

// Opens `path` with `flags` (| O_DIRECT when `direct`; O_CLOEXEC always). Returns the fd, or -1 with `err`
// filled (op "open"; err == EINVAL with `direct` means the filesystem refuses O_DIRECT).
int open_target(const std::string& path, int flags, bool direct, PathError& err, mode_t mode = 0644);

// Creates the file `name` for writing inside the directory open as `dirfd` (`shown`: the path messages
// name). An entry of that name already there (a file kept from an earlier run, or a planted symlink) is
// unlinked, never followed; the new file is made with O_CREAT|O_EXCL|O_NOFOLLOW (| O_DIRECT when `direct`),
// so whatever is planted between the two steps makes the open fail instead of redirecting the writes.
// Returns the fd, or -1 with `err` filled as open_target does.
int create_in_dir(int dirfd, const std::string& name, const std::string& shown, bool direct, PathError& err,
                  mode_t mode = 0644);

// Opens an input to read (| O_DIRECT when `direct`) with O_NONBLOCK, so that a FIFO cannot block the open,
// and refuses anything but a regular file (or a block device, when `block_ok`) with a usage error naming
// the type. On success `fd` is open, O_NONBLOCK cleared.
std::optional<BenchError> open_input(const std::string& path, bool direct, bool block_ok, int& fd);

// The alignment O_DIRECT needs on this open file: the larger of STATX_DIOALIGN's memory and offset
// alignments when the kernel reports them, else 4096.
uint32_t dio_alignment(int fd);

// The size of a regular file or a block device (BLKGETSIZE64); -errno on failure.
int64_t target_size(int fd);

// Whether O_DIRECT is set on the open file, read back from /proc/self/fdinfo/FD.
bool fd_is_direct(int fd);

// posix_fadvise(DONTNEED) over the whole file (after fdatasync, so dirty pages can go too).
void drop_cache(int fd);
bool drop_cache(const std::string& path);

// Total RAM in bytes (sysconf), for the "data fits in RAM" warning.
uint64_t physical_memory();

}  // namespace dskit::bench
