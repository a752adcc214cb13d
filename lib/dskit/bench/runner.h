// Runs one benchmark phase on N threads: they start together (a latch), each runs the workload body with its
// own ThreadStats and live counters, and the calling thread meanwhile takes a 1-second time series and
// enforces the time limit. Workers poll `stop()`; it turns true at the deadline, when the caller's stop flag
// (Ctrl-C) is set, or when a worker calls request_stop() (a fatal error such as a full disk). Any workload
// (randread, ckpt, meta, and later train) is one body function.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "dskit/bench/stats.h"

namespace dskit::bench {

struct Sample {
  double t_s = 0;               // seconds since the phase started, at the end of the interval
  uint64_t ops = 0, bytes = 0;  // completed during the interval
};

struct PhaseResult {
  std::vector<ThreadStats> threads;
  std::vector<Sample> series;
  bool interrupted = false;  // the caller's stop flag was set
  bool timed_out = false;    // the duration ran out
};

class Runner;

// What a worker sees: its index, its live counters (read by the sampler), and the stop condition.
class WorkerContext {
 public:
  unsigned thread() const { return thread_; }
  bool stop() const;
  void request_stop();
  void add(uint64_t ops, uint64_t bytes) {
    ops_->fetch_add(ops, std::memory_order_relaxed);
    bytes_->fetch_add(bytes, std::memory_order_relaxed);
  }

 private:
  friend class Runner;
  Runner* runner_ = nullptr;
  unsigned thread_ = 0;
  std::atomic<uint64_t>* ops_ = nullptr;
  std::atomic<uint64_t>* bytes_ = nullptr;
};

struct RunOptions {
  unsigned threads = 1;
  double duration_s = 0;                         // 0: no time limit
  const std::atomic<bool>* interrupt = nullptr;  // the caller's stop flag (signals)
  double sample_interval_s = 1.0;
};

class Runner {
 public:
  explicit Runner(RunOptions o);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;
  using Body = std::function<void(WorkerContext&, ThreadStats&)>;
  PhaseResult run(const Body& body);
  // Totals so far (for a progress line; any thread).
  uint64_t live_ops() const;
  uint64_t live_bytes() const;
  bool stopping() const { return stop_.load(std::memory_order_relaxed); }

 private:
  friend class WorkerContext;
  struct Counters;
  RunOptions o_;
  std::unique_ptr<Counters[]> counters_;
  std::atomic<bool> stop_{false};
};

}  // namespace dskit::bench
