// One writer for output (through base/fileio's write_all): workers hand it whole batches of lines, so lines
// never interleave.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>

namespace dskit {

class OutputSink {
 public:
  explicit OutputSink(int fd) : fd_(fd) {}
  OutputSink(const OutputSink&) = delete;
  OutputSink& operator=(const OutputSink&) = delete;

  // Writes all of `bytes` (thread-safe). Returns false once the output has failed; EPIPE (a reader such as
  // `head` went away) and other errors are told apart by error().
  bool write(std::string_view bytes);
  bool failed() const { return err_.load(std::memory_order_relaxed) != 0; }
  int error() const { return err_.load(std::memory_order_relaxed); }

 private:
  int fd_;
  std::mutex mu_;
  std::atomic<int> err_{0};
};

// A worker's batch of lines; hands them to the sink in 64 KiB pieces.
class LineBuffer {
 public:
  static constexpr std::size_t kFlushAt = 64 * 1024;
  std::string& text() { return buf_; }
  // Flushes when full; false when the sink has failed.
  bool maybe_flush(OutputSink& sink) { return buf_.size() < kFlushAt || flush(sink); }
  bool flush(OutputSink& sink);

 private:
  std::string buf_;
};

}  // namespace dskit
