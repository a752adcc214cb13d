// I/O engines for dsbench: `psync` (one blocking pread/pwrite/fsync at a time on the calling thread) and
// `io_uring` (liburing, one ring per thread, up to `depth` requests in flight). Both have the same
// submit/wait interface, so every workload loop is written once: submit up to depth() requests, wait for
// completions, submit more. Each completion carries its submit and completion times (CLOCK_MONOTONIC ns).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace dskit::bench {

enum class EngineKind : uint8_t { psync, io_uring };
std::string_view engine_name(EngineKind k);                  // "psync", "io_uring"
std::optional<EngineKind> parse_engine(std::string_view s);  // also "uring"

enum class OpKind : uint8_t { read, write, fsync };

struct IoOp {
  OpKind kind = OpKind::read;
  int fd = -1;
  void* buf = nullptr;
  uint32_t len = 0;
  uint64_t offset = 0;
  uint64_t user = 0;     // the caller's tag, handed back in the completion
  int64_t start_ns = 0;  // set by submit()
};

struct IoCompletion {
  IoOp op;
  int64_t result = 0;  // bytes transferred (0 for fsync), or -errno
  int64_t end_ns = 0;
};

int64_t now_ns();  // CLOCK_MONOTONIC

class Engine {
 public:
  virtual ~Engine() = default;
  virtual EngineKind kind() const = 0;
  virtual unsigned depth() const = 0;
  unsigned in_flight() const { return in_flight_; }
  // Queues one request; the caller keeps in_flight() < depth().
  virtual void submit(IoOp op) = 0;
  // Starts any requests not yet started, waits until at least one completes (when any is in flight) and
  // appends every completion available to `out`. Returns 0, or -errno when the engine itself failed.
  virtual int wait(std::vector<IoCompletion>& out) = 0;

 protected:
  unsigned in_flight_ = 0;
};

std::unique_ptr<Engine> make_psync_engine();
// A ring of `depth` entries; nullptr with `*err` = errno when the kernel refuses io_uring (ENOSYS, EPERM
// under seccomp or io_uring_disabled, ENOMEM under a low memlock limit).
// The ring is single-issuer (IORING_SETUP_SINGLE_ISSUER + DEFER_TASKRUN where the kernel has them): create it
// on the thread that will submit to it.
std::unique_ptr<Engine> make_uring_engine(unsigned depth, int* err);
// Whether this kernel lets this process create a ring: 0 or the errno of the refusal.
int probe_uring();

}  // namespace dskit::bench
