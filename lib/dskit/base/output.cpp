#include "dskit/base/output.h"

#include <unistd.h>

#include <cerrno>

namespace dskit {

bool OutputSink::write(std::string_view bytes) {
  std::lock_guard lk(mu_);
  if (err_.load(std::memory_order_relaxed) != 0) return false;
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      err_.store(errno);
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool LineBuffer::flush(OutputSink& sink) {
  if (buf_.empty()) return !sink.failed();
  const bool ok = sink.write(buf_);
  buf_.clear();
  return ok;
}

}  // namespace dskit
