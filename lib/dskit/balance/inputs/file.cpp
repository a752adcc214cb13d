// Reading dsbalance's input files: non-blocking open, type check, bounded reads (see file.h).
#include "dskit/balance/inputs/file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dskit {

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// read(2), retried on EINTR; -1 with errno on failure.
ssize_t read_some(int fd, char* p, std::size_t n) {
  for (;;) {
    const ssize_t r = ::read(fd, p, n);
    if (r >= 0 || errno != EINTR) return r;
  }
}

}  // namespace

std::optional<std::string> read_regular_fd(int fd, const std::string& path, std::size_t size,
                                           std::size_t padding, std::string& out) {
  out.assign(size + padding, '\0');
  std::size_t got = 0;
  while (got < size) {
    const ssize_t r = read_some(fd, out.data() + got, size - got);
    if (r < 0) return path + ": " + std::strerror(errno);
    if (r == 0) return path + ": the file shrank while it was read";
    got += static_cast<std::size_t>(r);
  }
  char extra = 0;
  const ssize_t r = read_some(fd, &extra, 1);
  if (r < 0) return path + ": " + std::strerror(errno);
  if (r > 0) return path + ": the file grew while it was read";
  return std::nullopt;
}

std::optional<std::string> read_input_file(const std::string& path, bool stream, std::size_t padding,
                                           std::string& out) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) return path + ": " + std::strerror(errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return path + ": " + std::strerror(errno);
  if (S_ISREG(st.st_mode))
    return read_regular_fd(fd.get(), path, static_cast<std::size_t>(st.st_size), padding, out);
  if (S_ISDIR(st.st_mode)) return path + ": is a directory";
  if (!stream || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) return path + ": not a regular file";
  // A stream, asked for: read it to its end, waiting for a FIFO's writer as any reader of a FIFO does. The
  // open did not wait; poll() does (Linux reports no hang-up on a FIFO opened without a writer until one has
  // come), and then blocking reads see the data, even what a writer that has already gone left behind.
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0)
    return path + ": " + std::strerror(errno);
  out.clear();
  char buf[65536];
  for (;;) {
    pollfd p{fd.get(), POLLIN, 0};
    if (S_ISFIFO(st.st_mode) && ::poll(&p, 1, -1) < 0) {
      if (errno == EINTR) continue;
      return path + ": " + std::strerror(errno);
    }
    const ssize_t r = read_some(fd.get(), buf, sizeof buf);
    if (r < 0) return path + ": " + std::strerror(errno);
    if (r == 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  out.append(padding, '\0');
  return std::nullopt;
}

}  // namespace dskit
