// What a dsbench run measures, as plain values that merge exactly: per-thread counters and named latency
// histograms with the thread's start and end times. Threads, phases and (later) MPI ranks combine by adding
// counters and histograms bucket by bucket and keeping the earliest start and the latest end; rates are
// always total work over wall time, never an average of per-thread rates.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dskit/base/error.h"
#include "dskit/bench/histogram.h"

namespace dskit::bench {

struct Latencies {
  std::deque<std::pair<std::string, Histogram>> named;  // in first-recorded order; references stay valid
  Histogram& operator[](std::string_view name);
  const Histogram* find(std::string_view name) const;
  void merge(const Latencies& o);
};

struct ThreadStats {
  unsigned thread = 0;
  uint64_t ops = 0;    // I/O requests (or metadata operations) completed
  uint64_t bytes = 0;  // bytes transferred
  uint64_t files = 0;  // whole files done (dataset reads, checkpoint files, metadata files)
  int64_t start_ns = 0, end_ns = 0;
  Latencies lat;
  std::vector<PathError> errors;
  uint64_t error_count = 0;  // all errors, also those beyond the kept records
  void add_error(PathError e);
};

// The merge of several ThreadStats: sums, merged histograms, earliest start, latest end, and the thread
// that finished first and last (relative to the earliest start).
struct Summary {
  unsigned threads = 0;
  uint64_t ops = 0, bytes = 0, files = 0, error_count = 0;
  int64_t start_ns = 0, end_ns = 0;
  double first_done_s = 0, last_done_s = 0;
  unsigned first_done_thread = 0, last_done_thread = 0;
  Latencies lat;
  double seconds() const { return static_cast<double>(end_ns - start_ns) / 1e9; }
  double per_second(uint64_t n) const { return seconds() > 0 ? static_cast<double>(n) / seconds() : 0.0; }
};

Summary summarize(const std::vector<ThreadStats>& threads);

}  // namespace dskit::bench
