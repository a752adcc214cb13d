#include "dskit/base/output.h"

#include "dskit/base/fileio.h"

namespace dskit {

bool OutputSink::write(std::string_view bytes) {
  std::lock_guard lk(mu_);
  if (err_.load(std::memory_order_relaxed) != 0) return false;
  if (const int err = write_all(fd_, bytes)) {
    err_.store(err);
    return false;
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
