// What every dsbench mode shares: the engine and cache options, budgets, the stop flag, the error value and
// the per-thread engine set-up (with the io_uring availability check and its optional psync fallback).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/bench/engine.h"
#include "dskit/bench/runner.h"

namespace dskit::bench {

struct CommonOptions {
  EngineKind engine = EngineKind::psync;
  bool engine_fallback =
      false;  // io_uring refused by the kernel: use psync (with a warning) instead of failing
  unsigned threads = 1;
  unsigned iodepth = 1;  // io_uring only
  bool direct = true;    // O_DIRECT; false: buffered (page cache)
  bool drop_cache = false;
  double duration_s = 0;  // 0: none
  uint64_t ops = 0;       // total budget over all threads; 0: none
  uint64_t bytes = 0;     // total budget over all threads; 0: none
  uint64_t seed = 0;
  const std::atomic<bool>* interrupt = nullptr;  // set from a signal: stop, clean up, report
  std::atomic<const Runner*>* live = nullptr;    // when given, points at the running phase (progress line)
};

// The outcome classes the tool maps to exit codes.
enum class ErrorKind : uint8_t {
  usage,           // missing path, file shorter than the block, bad size: exit 2
  output,          // target not writable, disk full: exit 3
  direct_refused,  // the filesystem refuses O_DIRECT: exit 6
  engine,          // io_uring unavailable: exit 6
  io,              // read/write errors during the run: exit 1
};
struct BenchError {
  ErrorKind kind = ErrorKind::usage;
  std::string message;  // one line naming the file and the cause
};

// The engine the run will use: io_uring when asked and available; psync when io_uring is refused and
// `engine_fallback` allows it (a warning is appended); an error otherwise.
std::optional<BenchError> resolve_engine(CommonOptions& o, std::vector<std::string>& warnings);
std::unique_ptr<Engine> make_engine(const CommonOptions& o);

// The message for a failed open: O_DIRECT refusal (EINVAL with O_DIRECT) gets its own advice.
BenchError open_error(const PathError& e, bool direct);

// Splits a total budget over threads: thread t's share (the first `total % threads` get one more).
uint64_t share(uint64_t total, unsigned threads, unsigned t);

// A small fast generator (xoshiro256**) seeded through splitmix64: offsets, sizes, file contents.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  uint64_t below(uint64_t n);  // uniform in [0, n), n > 0
 private:
  uint64_t s_[4];
};

}  // namespace dskit::bench
