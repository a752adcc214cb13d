// dsls's job as a library call: walk, filter, format, optionally sort or summarise, write to a sink.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dskit/base/output.h"
#include "dskit/walk/filter.h"
#include "dskit/walk/walk.h"

namespace dskit {

enum class ListFormat { paths, long_format, json };

struct ListOptions {
  WalkOptions walk;
  EntryFilter filter;
  ListFormat format = ListFormat::paths;
  char terminator = '\n';  // '\0' for -0
  bool sort = false;       // byte order of the whole path, identical for any thread count
  int summary_depth = 0;   // > 0: per-directory totals at that depth instead of entries
};

// Live counters for a progress display, updated in batches by the workers.
struct ListProgress {
  std::atomic<uint64_t> entries{0};
  std::atomic<uint64_t> dirs{0};
  std::atomic<uint64_t> errors{0};
};

struct ListResult {
  WalkStats walk;
  uint64_t matched = 0;      // entries that passed the filters
  bool root_failed = false;  // a root does not exist or cannot be stat'ed
  int output_errno = 0;      // the sink failed (EPIPE: reader went away)
};

// Called, serialised, for each failure; in JSON mode failures are also written to the sink as records.
using ListErrorFn = std::function<void(const PathError& err, bool root)>;

ListResult run_listing(const std::vector<std::string>& roots, const ListOptions& opts, OutputSink& out,
                       const ListErrorFn& on_error, ListProgress* progress = nullptr);

}  // namespace dskit
